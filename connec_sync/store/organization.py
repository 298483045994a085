"""A linked organization: a Connec! group, its partner account, entity directions, switches.
No SQLAlchemy here: the receiver's workers read organizations on the driver (receiving.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Organization:
    id: int
    tenant: str
    group_id: str
    account: str
    entities: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    conflict_winner: str = "recent"

    def direction(self, entity: str) -> str:
        """`both`, `to-app`, `to-connec` or `off`; an entity not listed is off."""
        return self.entities.get(entity, "off")

    def allows(self, entity: str, direction: str) -> bool:
        """Whether records of `entity` travel in `direction` (`to-app` or `to-connec`)."""
        return self.enabled and self.direction(entity) in ("both", direction)

    def settings(self) -> dict[str, Any]:
        """The link's settings as JSON-ready facts (`orgs` and `status` print them)."""
        return {
            "tenant": self.tenant,
            "group_id": self.group_id,
            "account": self.account,
            "enabled": self.enabled,
            "conflict_winner": self.conflict_winner,
            "entities": self.entities,
        }


def organization_of(row: Any) -> Organization:
    """The organization of a row (a mapping of its columns); `entities` as JSON text too."""
    return Organization(
        id=row["id"],
        tenant=row["tenant"],
        group_id=row["group_id"],
        account=row["account"],
        entities=_entities(row["entities"]),
        enabled=bool(row["enabled"]),
        conflict_winner=row["conflict_winner"],
    )


def _entities(value: Any) -> dict[str, str]:
    if isinstance(value, str | bytes):  # a JSON column read on SQLite's driver
        value = json.loads(value)
    return dict(value or {})
