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


class PendingLinkBacks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim_due(self, until: datetime, limit: int = 200) -> list[PendingLinkBack]:
        """Claim (until `until`) up to `limit` pending link-backs that are due now, oldest first."""
        table, orgs, now = tables.id_map, tables.organizations, utcnow()
        due = table.c.pending_link_back.is_not(None) & (
            table.c.link_back_due.is_(None) | (table.c.link_back_due <= now)
        )
        with self._engine.begin() as conn:
            ids = list(
                conn.execute(select(table.c.id).where(due).order_by(table.c.id).limit(limit))
                .scalars()
                .all()
            )
            if not ids:
                return []
            claim = table.update().where(table.c.id.in_(ids) & due).values(link_back_due=until)
            conn.execute(claim)  # in one transaction: a concurrent sender waits, then sees it
            rows = conn.execute(
                select(table, orgs.c.tenant, orgs.c.group_id)
                .join(orgs, orgs.c.id == table.c.organization_id)
                .where(table.c.id.in_(ids) & (table.c.link_back_due == until))
                .order_by(table.c.id)
            )
            return [_pending(row._mapping) for row in rows if row.connec_id is not None]

    def sent(self, accepted: list[tuple[int, str]]) -> None:
        """Connec! accepted these (link id, body): clear each body, unless a newer one replaced
        it meanwhile (one transaction for all)."""
        if not accepted:
            return
        table = tables.id_map
        same = (table.c.id == bindparam("b_id")) & (
            table.c.pending_link_back == bindparam("b_body")
        )
        cleared = table.update().where(same)
        cleared = cleared.values(pending_link_back=None, link_back_due=None, link_back_tries=0)
        now = utcnow()
        rows = [{"b_id": link_id, "b_body": body, "updated_at": now} for link_id, body in accepted]
        with self._engine.begin() as conn:
            conn.execute(cleared, rows)

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


def _pending(row: Any) -> PendingLinkBack:
    return PendingLinkBack(
        link_id=row["id"],
        tenant=row["tenant"],
        group_id=row["group_id"],
        entity=row["entity"],
        connec_id=row["connec_id"],
        body=row["pending_link_back"],
        tries=row["link_back_tries"] or 0,
    )
