"""What can go wrong between a record and its mapping, sorted by what the consumer does next."""

from __future__ import annotations


class UnknownEntity(KeyError):
    """An entity name that is not in the registry: a configuration bug."""


class InvalidRecord(Exception):
    """A record that fails its schema; `errors` names every bad field (dead-letter it)."""

    def __init__(self, errors: dict) -> None:
        super().__init__(f"invalid record: {errors}")
        self.errors = errors


class InvalidPayload(InvalidRecord):
    """A payload we built that the target would refuse; `errors` names its bad fields."""


class MissingReference(Exception):
    """A reference to a record not yet linked in the partner app (wait for it, then retry)."""

    def __init__(self, field: str, entity: str, connec_id: str) -> None:
        super().__init__(f"{field} refers to {entity} {connec_id}, not yet in the partner app")
        self.field = field
        self.entity = entity
        self.connec_id = connec_id
