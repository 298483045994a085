"""The values an envelope's fields may take, and the error of a body that is not one
(schemas/envelope.py builds envelopes, schemas/envelope_wire.py checks their wire form)."""

from __future__ import annotations

#: bump when the envelope changes shape; consumers refuse versions they do not know
FORMAT_VERSION = 1
SOURCES = ("connec", "app")
DIRECTIONS = ("to-app", "to-connec")
ACTIONS = ("upsert", "created", "updated", "deleted")
ORIGINS = ("webhook", "publisher", "sync", "replay", "poll")


class UndecodableMessage(Exception):
    """A message body that is not a valid envelope; it is dead-lettered, never dropped."""
