"""The sync producer: pages through both APIs and publishes every record to the backfill lane."""
