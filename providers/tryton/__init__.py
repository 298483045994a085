"""Tryton (8.2) as a partner app: the REST client, and a harness that runs a real server."""
