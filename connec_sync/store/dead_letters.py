"""Dead letters kept in the store: listed by id, shown, replayed exactly once, purged.

Replay is claimed per row (`replay_state` NULL -> "replaying" -> "replayed"): of two operators
replaying at once, only one publishes a given dead letter. A row left "replaying" means a replay
was interrupted between claim and confirm; it is replayed again only on request (include_stuck).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from connec_sync.store import tables
from connec_sync.store.clock import utcnow

REPLAYING, REPLAYED = "replaying", "replayed"


@dataclass(frozen=True)
class DeadLetter:
    id: int
    fingerprint: str
    message_id: str | None
    entity: str
    direction: str
    reason: str
    error: str | None
    attempts: int | None
    first_failure: datetime | None
    last_failure: datetime | None
    lane: str | None
    headers: dict[str, Any]
    envelope: dict[str, Any] | None
    body: str | None
    received_at: datetime
    replay_state: str | None
    replayed_at: datetime | None

    @property
    def state(self) -> str:
        """ "pending", "replaying" (interrupted replay) or "replayed"."""
        return self.replay_state or "pending"


@dataclass(frozen=True)
class DeadLetterFilter:
    """Which dead letters a command applies to; empty means every one."""

    entity: str | None = None
    direction: str | None = None
    reason: str | None = None
    since: datetime | None = None
    ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not (self.entity or self.direction or self.reason or self.since or self.ids)


class DeadLetters:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, **row: Any) -> bool:
        """Keep a dead letter; False when one with the same fingerprint is kept already."""
        row.setdefault("received_at", utcnow())
        try:
            with self._engine.begin() as conn:
                conn.execute(tables.dead_letters.insert().values(**row))
        except IntegrityError:
            return False  # the same message redelivered from its queue before its ack
        return True

    def get(self, letter_id: int) -> DeadLetter | None:
        table = tables.dead_letters
        with self._engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == letter_id)).first()
        return _letter(row._mapping) if row else None

    def find(
        self, where: DeadLetterFilter, states: tuple[str | None, ...] | None = None
    ) -> list[DeadLetter]:
        """Matching dead letters, oldest first; `states` limits replay_state (None = pending)."""
        query = _filtered(select(tables.dead_letters), where, states).order_by(
            tables.dead_letters.c.id
        )
        with self._engine.connect() as conn:
            return [_letter(row._mapping) for row in conn.execute(query)]

    def claim(self, letter_id: int, include_stuck: bool = False) -> bool:
        """Mark one dead letter "replaying"; True only for the one caller that claimed it."""
        table = tables.dead_letters
        free: Any = table.c.replay_state.is_(None)
        if include_stuck:
            free = free | (table.c.replay_state == REPLAYING)
        with self._engine.begin() as conn:
            done = conn.execute(
                table.update()
                .where((table.c.id == letter_id) & free)
                .values(replay_state=REPLAYING)
            )
            return done.rowcount == 1

    def mark_replayed(self, letter_id: int) -> None:
        self._set_state(letter_id, REPLAYED, utcnow())

    def release(self, letter_id: int) -> None:
        """Undo a claim whose publish certainly did not reach the broker."""
        self._set_state(letter_id, None, None)

    def purge(self, where: DeadLetterFilter) -> int:
        """Delete the matching dead letters; returns how many."""
        table = tables.dead_letters
        query = _filtered(table.delete(), where, None)
        with self._engine.begin() as conn:
            return int(conn.execute(query).rowcount)

    def counts(self) -> list[dict[str, Any]]:
        """Per entity, direction, reason and state: how many dead letters are kept."""
        table = tables.dead_letters
        keys = (table.c.entity, table.c.direction, table.c.reason, table.c.replay_state)
        query = select(*keys, func.count()).group_by(*keys).order_by(*keys)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {"entity": e, "direction": d, "reason": r, "state": s or "pending", "count": int(n)}
            for e, d, r, s, n in rows
        ]

    def _set_state(self, letter_id: int, state: str | None, when: datetime | None) -> None:
        table = tables.dead_letters
        with self._engine.begin() as conn:
            conn.execute(
                table.update()
                .where(table.c.id == letter_id)
                .values(replay_state=state, replayed_at=when)
            )


def _filtered(query: Any, where: DeadLetterFilter, states: tuple[str | None, ...] | None) -> Any:
    table = tables.dead_letters
    for column, value in (
        (table.c.entity, where.entity),
        (table.c.direction, where.direction),
        (table.c.reason, where.reason),
    ):
        if value:
            query = query.where(column == value)
    if where.since:
        query = query.where(func.coalesce(table.c.last_failure, table.c.received_at) >= where.since)
    if where.ids:
        query = query.where(table.c.id.in_(where.ids))
    if states is not None:
        named = [s for s in states if s is not None]
        condition = table.c.replay_state.in_(named)
        query = query.where(
            condition | table.c.replay_state.is_(None) if None in states else condition
        )
    return query


def _letter(row: Any) -> DeadLetter:
    return DeadLetter(**{name: row[name] for name in DeadLetter.__dataclass_fields__})
