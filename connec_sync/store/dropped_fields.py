"""Records applied with dropped fields: the latest examples per organization, for `status`.

A field whose value could not be converted is left out of the record it came with (the edges'
tolerance, schemas.tolerance); every such record is logged and counted (Prometheus has the
totals), and the store keeps the latest `KEPT_PER_ORGANIZATION` of them per organization so
that an operator sees which records lost what, and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select

from connec_sync.store import tables
from connec_sync.store.clock import utcnow

#: examples kept per organization; older ones are removed as new ones come
KEPT_PER_ORGANIZATION = 100


@dataclass(frozen=True)
class DroppedFieldsExample:
    """One record applied without some of its fields: which record, and each field with why."""

    organization_id: int
    entity: str
    direction: str
    record_id: str | None
    name: str | None
    fields: list[dict[str, str]]
    applied_at: datetime


class DroppedFields:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        organization_id: int,
        entity: str,
        direction: str,
        record_id: str | None,
        name: str | None,
        fields: list[dict[str, str]],
    ) -> None:
        """Keep one example, and only the latest KEPT_PER_ORGANIZATION of the organization."""
        table = tables.dropped_fields
        row = {
            "organization_id": organization_id,
            "entity": entity,
            "direction": direction,
            "record_id": None if record_id is None else str(record_id)[:200],
            "name": None if name is None else name[:500],
            "fields": fields,
            "applied_at": utcnow(),
        }
        with self._engine.begin() as conn:
            conn.execute(table.insert().values(**row))
            newest = tables.newest_of_organization(table, organization_id, KEPT_PER_ORGANIZATION)
            kept = [row.id for row in conn.execute(newest)]
            conn.execute(
                delete(table).where(
                    (table.c.organization_id == organization_id) & (table.c.id < min(kept))
                )
            )

    def latest(self, organization_id: int, limit: int = 5) -> list[DroppedFieldsExample]:
        """The organization's latest examples, newest first."""
        query = tables.newest_of_organization(tables.dropped_fields, organization_id, limit)
        with self._engine.connect() as conn:
            return [_example(row._mapping) for row in conn.execute(query)]

    def counts(self, organization_id: int) -> dict[tuple[str, str], int]:
        """Kept examples by (entity, direction): records applied with dropped fields lately."""
        table = tables.dropped_fields
        query = (
            select(table.c.entity, table.c.direction, func.count())
            .where(table.c.organization_id == organization_id)
            .group_by(table.c.entity, table.c.direction)
        )
        with self._engine.connect() as conn:
            return {(entity, direction): n for entity, direction, n in conn.execute(query)}


def _example(row: Any) -> DroppedFieldsExample:
    return DroppedFieldsExample(
        organization_id=row["organization_id"],
        entity=row["entity"],
        direction=row["direction"],
        record_id=row["record_id"],
        name=row["name"],
        fields=list(row["fields"]),
        applied_at=row["applied_at"],
    )
