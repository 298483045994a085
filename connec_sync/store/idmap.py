"""The id map: which Connec! record is which partner record, per organization and entity."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, NoResultFound

from connec_sync.store import idmap_sql as sql
from connec_sync.store import tables
from connec_sync.store.clock import utcnow
from connec_sync.store.engine import READ
from connec_sync.store.sqlalchemy_execution import Direct


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
    to_app_pending: bool = False
    to_connec_pending: bool = False
    lease_owner: str | None = None
    lease_until: datetime | None = None


class LinkConflict(Exception):
    """`join_ids`: the id is held by another link that is linked to a different record."""


class LinkBusy(Exception):
    """`join_ids`: the id is held by a bare link that another owner holds a lease on."""


class IdMap:
    """The consumers' statements (find, claim, leases, updates) run on the driver directly
    (connec_sync.store.sqlalchemy_execution); the rest, and the rare merge, through SQLAlchemy."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._direct = Direct.of(engine)

    def find(
        self,
        organization_id: int,
        entity: str,
        *,
        connec_id: str | None = None,
        partner_id: str | None = None,
    ) -> IdLink | None:
        """The link holding `connec_id` or else `partner_id`, if any."""
        scope = {"b_org": organization_id, "b_entity": entity}
        for column, value in (("connec_id", connec_id), ("partner_id", partner_id)):
            if value is not None:
                row = self._direct.read(sql.FIND[column], {**scope, "b_value": str(value)})
                if row is not None:
                    return _link(row)
        return None

    def claim(
        self,
        organization_id: int,
        entity: str,
        *,
        connec_id: str | None = None,
        partner_id: str | None = None,
        lease: tuple[str, datetime] | None = None,
        **initial: Any,
    ) -> tuple[IdLink, bool]:
        """Insert a link under the unique constraints; (link, True) if this call created it,
        (the existing link, False) if a replica or an earlier delivery got there first.
        With `lease` (owner, until), a link this call creates is leased to that owner; the
        columns of `initial` are set on a link this call creates."""
        row = _new(organization_id, entity, connec_id, partner_id, lease, initial)
        columns, bound = sql.params(row)
        link: IdLink | None
        try:
            link = _link(self._direct.write(sql.insert(columns), bound))
            claimed = True
        except IntegrityError:
            link = self.find(organization_id, entity, connec_id=connec_id, partner_id=partner_id)
            claimed = False
        assert link is not None
        return link, claimed

    def claim_or_lease(
        self,
        organization_id: int,
        entity: str,
        *,
        connec_id: str | None = None,
        partner_id: str | None = None,
        lease: tuple[str, datetime],
        now: datetime,
        **initial: Any,
    ) -> IdLink | None:
        """The link holding `partner_id` (else `connec_id`), leased to `lease` (owner, until), in
        one statement: created with both ids and the columns of `initial` when no link holds
        it, else leased as `acquire_lease` does (free, expired before `now`, or the owner's
        already; `initial` is not applied then). None, with nothing changed, when another owner
        holds an unexpired lease on it, or when the link to create would take a `connec_id`
        that another link holds: `find` the link then."""
        key = "partner_id" if partner_id is not None else "connec_id"
        row = _new(organization_id, entity, connec_id, partner_id, lease, initial)
        columns, bound = sql.params(row, b_now=now)
        statement = sql.claim_or_lease(self._engine.dialect.name, columns, key)
        try:
            found = self._direct.write(statement, bound)
        except IntegrityError:  # by our partner id a new link; by its Connec! id, another one
            return None
        return _link(found) if found is not None else None

    def update(self, link_id: int, **changes: Any) -> None:
        self._update(link_id, None, changes)

    def acquire_lease(
        self, link_id: int, owner: str, until: datetime, now: datetime | None = None
    ) -> IdLink | None:
        """Lease the link to `owner` until `until` if it is free, expired or already `owner`'s;
        returns the link as it is now (read in the same statement), or None if another owner
        holds an unexpired lease."""
        bound = {"b_id": link_id, "b_owner": owner, "b_until": until, "b_now": now or utcnow()}
        row = self._direct.write(sql.ACQUIRE, bound)
        return _link(row) if row else None

    def release_lease(self, link_id: int, owner: str) -> None:
        """Give the lease back, if `owner` still holds it."""
        self._direct.write(sql.RELEASE, {"b_id": link_id, "b_owner": owner})

    def record(self, link_id: int, owner: str | None = None, **changes: Any) -> None:
        """Update a link (versions, fingerprints, name, error...) and, in the same statement,
        release `owner`'s lease on it."""
        self._update(link_id, owner, changes)

    def _update(self, link_id: int, owner: str | None, changes: dict[str, Any]) -> None:
        columns, bound = sql.params({**changes, "updated_at": utcnow()}, b_id=link_id)
        statement = sql.update(columns, releasing=owner is not None, returning=False)
        self._direct.write(statement, {**bound, "b_owner": owner})

    def join_ids(
        self,
        link_id: int,
        *,
        connec_id: str | None = None,
        partner_id: str | None = None,
        owner: str | None = None,
        known: IdLink | None = None,
        **changes: Any,
    ) -> IdLink:
        """Set the link's other id, with `changes` (and `owner`'s lease released, as `record`)
        in the same transaction. A bare link holding that id (made by the other direction,
        with no counterpart id) is merged into this one: its versions fill this link's empty
        ones, then it is deleted. Raises LinkConflict when the holder is linked to another
        record, LinkBusy when another owner leases it (nothing is changed then). `known`: the
        link as its lease holder last read or wrote it; the usual case then reads nothing back
        and returns it with the changes."""
        column = "connec_id" if connec_id else "partner_id"
        changes = {**changes, column: connec_id or partner_id, "updated_at": utcnow()}
        try:  # the usual case: no other link holds the id
            return self._joined(link_id, owner, changes, known)
        except IntegrityError:
            return self._merge_into(link_id, column, owner, changes)

    def _joined(
        self, link_id: int, owner: str | None, changes: dict[str, Any], known: IdLink | None
    ) -> IdLink:
        columns, bound = sql.params(changes, b_id=link_id, b_owner=owner)
        returning = "id" if known is not None else True
        statement = sql.update(columns, releasing=owner is not None, returning=returning)
        row = self._direct.write(statement, bound)
        if row is None:
            raise NoResultFound(f"no link {link_id}")
        if known is None:
            return _link(row)
        return _with(known, changes, released=owner is not None and owner == known.lease_owner)

    def _merge_into(
        self, link_id: int, column: str, owner: str | None, changes: dict[str, Any]
    ) -> IdLink:
        other = "partner_id" if column == "connec_id" else "connec_id"
        with self._engine.begin() as conn:
            link = _link(conn.execute(sql.BY_ID, {"b_id": link_id}).one()._mapping)
            scope = {"b_org": link.organization_id, "b_entity": link.entity}
            bound = {**scope, "b_value": changes[column]}
            holder = conn.execute(sql.FIND[column], bound).first()
            if holder is not None and holder.id != link_id:
                merged = _merged(link, _link(holder._mapping), other, changes[column])
                changes = merged | changes
                conn.execute(sql.DELETE, {"b_id": holder.id})
            columns, bound = sql.params(changes, b_id=link_id, b_owner=owner)
            statement = sql.update(columns, releasing=owner is not None, returning=True)
            return _link(conn.execute(statement, bound).one()._mapping)

    def by_id(self, link_id: int) -> IdLink | None:
        return self._one(tables.id_map.c.id == link_id)

    def links(self, organization_id: int | None = None, entity: str | None = None) -> list[IdLink]:
        query = select(tables.id_map).order_by(tables.id_map.c.id)
        if organization_id is not None:
            query = query.where(tables.id_map.c.organization_id == organization_id)
        if entity is not None:
            query = query.where(tables.id_map.c.entity == entity)
        with self._engine.connect().execution_options(**READ) as conn:
            return [_link(row._mapping) for row in conn.execute(query)]

    def _one(self, where: Any) -> IdLink | None:
        with self._engine.connect().execution_options(**READ) as conn:
            row = conn.execute(select(tables.id_map).where(where)).first()
        return _link(row._mapping) if row else None


def _link(row: Any) -> IdLink:
    names = IdLink.__dataclass_fields__
    return IdLink(**{name: row[name] for name in names})


def _new(
    organization_id: int,
    entity: str,
    connec_id: str | None,
    partner_id: str | None,
    lease: tuple[str, datetime] | None,
    initial: dict[str, Any],
) -> dict[str, Any]:
    """The row of a new link: `initial`'s columns, its ids, leased when `lease` is given."""
    now = utcnow()
    row = {**initial, "organization_id": organization_id, "entity": entity, "inactive": False}
    row |= {"connec_id": connec_id, "partner_id": partner_id}
    row |= {"created_at": now, "updated_at": now, "link_back_tries": 0}
    if lease is not None:
        row |= {"lease_owner": lease[0], "lease_until": lease[1]}
    return row


def _with(link: IdLink, changes: dict[str, Any], released: bool) -> IdLink:
    """`link` as an update of `changes` left it (its lease released when `released`)."""
    fields = IdLink.__dataclass_fields__
    known = {name: value for name, value in changes.items() if name in fields}
    if released:
        known |= {"lease_owner": None, "lease_until": None}
    return dataclasses.replace(link, **known)


#: what a bare link merged into another may bring: its versions and fingerprints
_MERGED_COLUMNS = (*tables.VERSION_AND_FINGERPRINT_COLUMNS, "name")


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
