"""The poller's state (`connec-sync poll`): per organization and entity the provider's cursor
and the polls since the last hard-delete sweep; per organization a lease, so that two pollers
of one account never both run (a crashed poller's lease runs out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.exc import IntegrityError

from connec_sync.store import tables
from connec_sync.store.clock import utcnow


@dataclass(frozen=True)
class PollState:
    organization_id: int
    entity: str
    #: the provider's cursor (None: read from the start)
    cursor: dict[str, Any] | None = None
    #: polls since the last sweep for hard deletes
    polls: int = 0
    swept_at: datetime | None = None


class Polls:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def state(self, organization_id: int, entity: str) -> PollState:
        table = tables.poll_state
        where = (table.c.organization_id == organization_id) & (table.c.entity == entity)
        with self._engine.connect() as conn:
            row = conn.execute(select(table).where(where)).first()
        if row is None:
            return PollState(organization_id, entity)
        found = row._mapping
        return PollState(
            organization_id, entity, found["cursor"], found["polls"], found["swept_at"]
        )

    def save(self, organization_id: int, entity: str, **changes: Any) -> None:
        """Store `cursor`, `polls` and/or `swept_at` (the others kept)."""
        table = tables.poll_state
        where = (table.c.organization_id == organization_id) & (table.c.entity == entity)
        values = {**changes, "updated_at": utcnow()}
        with self._engine.begin() as conn:
            if conn.execute(table.update().where(where).values(**values)).rowcount:
                return
            conn.execute(
                table.insert().values(organization_id=organization_id, entity=entity, **values)
            )

    def take_lease(self, organization_id: int, holder: str, seconds: float) -> bool:
        """Hold the organization's poll lease for `seconds` (taken, or renewed by its holder);
        False when another holder's lease still runs."""
        table, now = tables.poll_leases, utcnow()
        until = now + timedelta(seconds=seconds)
        free = or_(table.c.holder == holder, table.c.until < now)
        mine = and_(table.c.organization_id == organization_id, free)
        try:
            with self._engine.begin() as conn:
                if conn.execute(
                    table.update().where(mine).values(holder=holder, until=until)
                ).rowcount:
                    return True
                held = select(table.c.holder).where(table.c.organization_id == organization_id)
                if conn.execute(held).first() is not None:
                    return False
                conn.execute(
                    table.insert().values(
                        organization_id=organization_id, holder=holder, until=until
                    )
                )
        except IntegrityError:  # another poller inserted it first
            return False
        return True

    def release_lease(self, organization_id: int, holder: str) -> None:
        table = tables.poll_leases
        where = (table.c.organization_id == organization_id) & (table.c.holder == holder)
        with self._engine.begin() as conn:
            conn.execute(table.delete().where(where))
