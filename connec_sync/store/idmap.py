"""The id map: which Connec! record is which partner record, per organization and entity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from connec_sync.store import tables
from connec_sync.store.clock import utcnow


@dataclass(frozen=True)
class IdLink:
    id: int
    organization_id: int
    entity: str
    connec_id: str | None
    partner_id: str | None
    name: str | None
    to_app_version: str | None
    to_app_hash: str | None
    to_connec_version: str | None
    to_connec_hash: str | None
    partner_fingerprint: str | None
    connec_fingerprint: str | None
    last_error: str | None
    inactive: bool


class IdMap:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find(
        self,
        organization_id: int,
        entity: str,
        *,
        connec_id: str | None = None,
        partner_id: str | None = None,
    ) -> IdLink | None:
        """The link holding `connec_id` or else `partner_id`, if any."""
        table = tables.id_map
        scope = (table.c.organization_id == organization_id) & (table.c.entity == entity)
        for column, value in ((table.c.connec_id, connec_id), (table.c.partner_id, partner_id)):
            if value is not None:
                link = self._one(scope & (column == str(value)))
                if link is not None:
                    return link
        return None

    def claim(
        self,
        organization_id: int,
        entity: str,
        *,
        connec_id: str | None = None,
        partner_id: str | None = None,
    ) -> tuple[IdLink, bool]:
        """Insert a link under the unique constraints; (link, True) if this call created it,
        (the existing link, False) if a replica or an earlier delivery got there first."""
        row = {"organization_id": organization_id, "entity": entity, "inactive": False}
        row |= {"connec_id": connec_id, "partner_id": partner_id}
        row |= {"created_at": utcnow(), "updated_at": utcnow()}
        try:
            with self._engine.begin() as conn:
                new_id = conn.execute(tables.id_map.insert().values(**row)).inserted_primary_key[0]
            link = self.by_id(int(new_id))
            claimed = True
        except IntegrityError:
            link = self.find(organization_id, entity, connec_id=connec_id, partner_id=partner_id)
            claimed = False
        assert link is not None
        return link, claimed

    def update(self, link_id: int, **changes: Any) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                tables.id_map.update()
                .where(tables.id_map.c.id == link_id)
                .values(**changes, updated_at=utcnow())
            )

    def by_id(self, link_id: int) -> IdLink | None:
        return self._one(tables.id_map.c.id == link_id)

    def links(self, organization_id: int | None = None, entity: str | None = None) -> list[IdLink]:
        query = select(tables.id_map).order_by(tables.id_map.c.id)
        if organization_id is not None:
            query = query.where(tables.id_map.c.organization_id == organization_id)
        if entity is not None:
            query = query.where(tables.id_map.c.entity == entity)
        with self._engine.connect() as conn:
            return [_link(row._mapping) for row in conn.execute(query)]

    def _one(self, where: Any) -> IdLink | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(tables.id_map).where(where)).first()
        return _link(row._mapping) if row else None


def _link(row: Any) -> IdLink:
    names = IdLink.__dataclass_fields__
    return IdLink(**{name: row[name] for name in names})
