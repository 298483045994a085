"""The two API clients (the only place besides the sandboxes that imports `requests`)."""
