"""Link-backs waiting to be sent to Connec!: the id map rows whose `pending_link_back` is set.

A consumer stores the body in the same commit that records the apply, then acks; a sender (any
consumer process) claims due rows for a while (`link_back_due`), sends them in batches and
clears each body Connec! accepted. Clearing compares the body sent, so a newer body written
meanwhile by a handler stays pending. A PUT link-back is idempotent: a row sent twice (a claim
that expired under a slow sender) does no harm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select

from connec_sync.store import tables
from connec_sync.store.clock import utcnow
from connec_sync.store.sqlalchemy_execution import Direct


@dataclass(frozen=True)
class PendingLinkBack:
    """One claimed link-back: PUT `body` to `{group_id}/{entity}/{connec_id}` as `tenant`."""

    link_id: int
    tenant: str
    group_id: str
    entity: str
    connec_id: str
    body: str
    tries: int


_T, _ORGS = tables.id_map, tables.organizations
_NEXT = _T.alias("oldest")


def _due(table: Any) -> Any:
    """A link-back in `table` (the id map or an alias) waiting to be sent, its time come (b_now)."""
    due = table.c.link_back_due
    return table.c.pending_link_back.is_not(None) & (due.is_(None) | (due <= bindparam("b_now")))


#: claim the oldest b_limit due link-backs until b_until, in one statement; the outer `_due`
#: is checked again on the row as it is when locked, so two senders never claim one row
_CLAIM = (
    _T.update()
    .where(
        _T.c.id.in_(
            select(_NEXT.c.id).where(_due(_NEXT)).order_by(_NEXT.c.id).limit(bindparam("b_limit"))
        )
        & _due(_T)
    )
    .values(link_back_due=bindparam("b_until"))
    .returning(
        _T.c.id,
        _T.c.organization_id,
        _T.c.entity,
        _T.c.connec_id,
        _T.c.pending_link_back,
        _T.c.link_back_tries,
    )
)
#: clear the link-back b_id if it is still the body b_body (a newer one stays pending)
_CLEARED = (
    _T.update()
    .where((_T.c.id == bindparam("b_id")) & (_T.c.pending_link_back == bindparam("b_body")))
    .values(
        pending_link_back=None,
        link_back_due=None,
        link_back_tries=0,
        updated_at=bindparam("b_now", type_=_T.c.updated_at.type),
    )
)
#: an organization's tenant and group (its unique key: they never change once it exists)
_GROUP = select(_ORGS.c.tenant, _ORGS.c.group_id).where(_ORGS.c.id == bindparam("b_id"))


class PendingLinkBacks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._direct = Direct.of(engine)
        self._groups: dict[int, tuple[str, str]] = {}

    def claim_due(self, until: datetime, limit: int = 200) -> list[PendingLinkBack]:
        """Claim (until `until`) up to `limit` pending link-backs that are due now, oldest first
        (one statement on the driver: a sender runs it several times a second)."""
        bound = {"b_now": utcnow(), "b_until": until, "b_limit": limit}
        rows = sorted(self._direct.write_all(_CLAIM, bound), key=lambda row: row["id"])
        return [
            _pending(row, *self._group(row["organization_id"])) for row in rows if row["connec_id"]
        ]

    def _group(self, organization_id: int) -> tuple[str, str]:
        """(tenant, group_id) of an organization, read once per process."""
        if organization_id not in self._groups:
            found = self._direct.read(_GROUP, {"b_id": organization_id})
            assert found is not None, "id_map.organization_id is a foreign key"
            self._groups[organization_id] = (found["tenant"], found["group_id"])
        return self._groups[organization_id]

    def sent(self, accepted: list[tuple[int, str]]) -> None:
        """Connec! accepted these (link id, body): clear each body, unless a newer one replaced
        it meanwhile (one transaction for all, on the driver)."""
        if not accepted:
            return
        now = utcnow()
        rows = [{"b_id": link_id, "b_body": body, "b_now": now} for link_id, body in accepted]
        self._direct.write_many(_CLEARED, rows)

    def refused(self, link_id: int, body: str, error: str) -> None:
        """Connec! refused `body` for good (e.g. 404): clear it and keep the error on the link."""
        self._settle(link_id, body, pending_link_back=None, link_back_due=None, last_error=error)

    def postpone(self, link_id: int, body: str, due: datetime, tries: int) -> None:
        """Sending `body` failed for now: try again at `due`."""
        self._settle(link_id, body, link_back_due=due, link_back_tries=tries)

    def count(self) -> int:
        table = tables.id_map
        query = select(table.c.id).where(table.c.pending_link_back.is_not(None))
        with self._engine.connect() as conn:
            return len(conn.execute(query).all())

    def _settle(self, link_id: int, body: str, **changes: Any) -> None:
        table = tables.id_map
        same = (table.c.id == link_id) & (table.c.pending_link_back == body)
        with self._engine.begin() as conn:
            conn.execute(table.update().where(same).values(**changes, updated_at=utcnow()))


def _pending(row: Any, tenant: str, group_id: str) -> PendingLinkBack:
    return PendingLinkBack(
        link_id=row["id"],
        tenant=tenant,
        group_id=group_id,
        entity=row["entity"],
        connec_id=row["connec_id"],
        body=row["pending_link_back"],
        tries=row["link_back_tries"] or 0,
    )
