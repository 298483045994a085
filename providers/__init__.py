"""Partner apps, one package per app: its API client, its facts, and the way to run it."""
