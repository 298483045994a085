"""The id map: which Connec! record is which partner record, per organization and entity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, case, select
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
    lease_owner: str | None = None
    lease_until: datetime | None = None


class LinkConflict(Exception):
    """`join_ids`: the id is held by another link that is linked to a different record."""


class LinkBusy(Exception):
    """`join_ids`: the id is held by a bare link that another owner holds a lease on."""


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
        lease: tuple[str, datetime] | None = None,
    ) -> tuple[IdLink, bool]:
        """Insert a link under the unique constraints; (link, True) if this call created it,
        (the existing link, False) if a replica or an earlier delivery got there first.
        With `lease` (owner, until), a link this call creates is leased to that owner."""
        row = {"organization_id": organization_id, "entity": entity, "inactive": False}
        row |= {"connec_id": connec_id, "partner_id": partner_id}
        row |= {"created_at": utcnow(), "updated_at": utcnow()}
        if lease is not None:
            row |= {"lease_owner": lease[0], "lease_until": lease[1]}
        link: IdLink | None
        try:
            with self._engine.begin() as conn:
                inserted = tables.id_map.insert().values(**row).returning(*tables.id_map.c)
                link = _link(conn.execute(inserted).one()._mapping)
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

    def acquire_lease(
        self, link_id: int, owner: str, until: datetime, now: datetime | None = None
    ) -> IdLink | None:
        """Lease the link to `owner` until `until` if it is free, expired or already `owner`'s;
        returns the link as it is now (read in the same statement), or None if another owner
        holds an unexpired lease."""
        table = tables.id_map
        free = (
            table.c.lease_owner.is_(None)
            | (table.c.lease_until < (now or utcnow()))
            | (table.c.lease_owner == owner)
        )
        statement = (
            table.update()
            .where((table.c.id == link_id) & free)
            .values(lease_owner=owner, lease_until=until)
            .returning(*table.c)
        )
        with self._engine.begin() as conn:
            row = conn.execute(statement).first()
        return _link(row._mapping) if row else None

    def release_lease(self, link_id: int, owner: str) -> None:
        """Give the lease back, if `owner` still holds it."""
        table = tables.id_map
        with self._engine.begin() as conn:
            conn.execute(
                table.update()
                .where((table.c.id == link_id) & (table.c.lease_owner == owner))
                .values(lease_owner=None, lease_until=None)
            )

    def record(self, link_id: int, owner: str | None = None, **changes: Any) -> None:
        """Update a link (versions, fingerprints, name, error...) and, in the same statement,
        release `owner`'s lease on it."""
        table = tables.id_map
        if owner is not None:
            held = table.c.lease_owner == owner
            changes["lease_owner"] = case((held, None), else_=table.c.lease_owner)
            changes["lease_until"] = case((held, None), else_=table.c.lease_until)
        self.update(link_id, **changes)

    def join_ids(
        self, link_id: int, *, connec_id: str | None = None, partner_id: str | None = None
    ) -> IdLink:
        """Set the link's other id. A bare link holding that id (made by the other direction,
        with no counterpart id) is merged into this one in the same transaction: its versions
        fill this link's empty ones, then it is deleted. Raises LinkConflict when the holder is
        linked to another record, LinkBusy when another owner leases it."""
        column, other = ("connec_id", "partner_id") if connec_id else ("partner_id", "connec_id")
        value = connec_id or partner_id
        table = tables.id_map
        with self._engine.begin() as conn:
            link = _link(conn.execute(select(table).where(table.c.id == link_id)).one()._mapping)
            if getattr(link, column) == value:
                return link
            scope = (table.c.organization_id == link.organization_id) & (
                table.c.entity == link.entity
            )
            holder_row = conn.execute(select(table).where(scope & (table.c[column] == value)))
            holder = holder_row.first()
            changes: dict[str, Any] = {column: value, "updated_at": utcnow()}
            if holder is not None:
                changes |= _merged(link, _link(holder._mapping), other, value)
                conn.execute(table.delete().where(table.c.id == holder.id))
            conn.execute(table.update().where(table.c.id == link_id).values(**changes))
            return _link(conn.execute(select(table).where(table.c.id == link_id)).one()._mapping)

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


#: what a bare link merged into another may bring: its versions and fingerprints
_MERGED_COLUMNS = (
    "to_app_version",
    "to_app_hash",
    "to_connec_version",
    "to_connec_hash",
    "partner_fingerprint",
    "connec_fingerprint",
    "name",
)


def _merged(link: IdLink, holder: IdLink, other: str, value: Any) -> dict[str, Any]:
    if getattr(holder, other) is not None:
        raise LinkConflict(f"{holder.entity} {value} is already linked to link {holder.id}")
    lease_held = holder.lease_owner is not None and holder.lease_until is not None
    if lease_held and holder.lease_until > utcnow():  # type: ignore[operator]
        raise LinkBusy(f"{holder.entity} {value} is leased by {holder.lease_owner}")
    return {
        name: getattr(holder, name)
        for name in _MERGED_COLUMNS
        if getattr(link, name) is None and getattr(holder, name) is not None
    }
