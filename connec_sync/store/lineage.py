"""Lineage kept in the store: each record's journey, one row per step, written in batches by
the processes (consumers.lineage) and read by `connec-sync trace`, the status page's search and
`connec-sync mapping check`; rows older than the retention are pruned by the processes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, case, func, or_, select

from connec_sync.store import tables
from connec_sync.store.engine import READ
from connec_sync.store.sqlalchemy_execution import Direct

#: what a trace shows of a record's link
LINK_STATE = (
    "entity",
    "connec_id",
    "partner_id",
    "name",
    "inactive",
    "last_error",
    "to_app_version",
    "to_connec_version",
    "pending_link_back",
    "link_back_due",
    "link_back_tries",
)
#: rows per insert transaction: on SQLite lineage has a file and a write lock of its own
#: (connec_sync.store.engine.lineage_url), so nobody waits behind it; 200 rows cost 25 µs each
#: to insert there, 20 rows 35-40 µs (more commits), 1000 rows 45-50 µs (the transaction's
#: pages outgrow SQLite's page cache)
ROWS_PER_TRANSACTION = 200
#: events returned by one search at most (a record's journey over the retention)
MAX_EVENTS = 2000


#: every column but the id, each bound by name: one compiled statement for every batch
_COLUMNS = [c.name for c in tables.lineage_events.columns if c.name != "id"]
_INSERT = tables.lineage_events.insert().values({name: bindparam(name) for name in _COLUMNS})
_UNSET = dict.fromkeys(_COLUMNS)


class Lineage:
    """The events in `engine`'s database; the links a trace shows from `id_map_engine`'s (the
    store's; the same database but on SQLite, where lineage has a file of its own)."""

    def __init__(self, engine: Engine, id_map_engine: Engine | None = None) -> None:
        self._engine = engine
        self._id_map_engine = id_map_engine or engine
        self._direct = Direct.of(engine)

    def add(self, events: Sequence[dict[str, Any]]) -> None:
        """Keep `events` (rows of lineage_events without id; a column not given is null) in
        batched inserts of ROWS_PER_TRANSACTION, on the driver
        (connec_sync.store.sqlalchemy_execution)."""
        rows = [_UNSET | event for event in events]
        for start in range(0, len(rows), ROWS_PER_TRANSACTION):
            self._direct.write_many(_INSERT, rows[start : start + ROWS_PER_TRANSACTION])

    def events(
        self,
        *,
        connec_ids: Iterable[str] = (),
        partner_ids: Iterable[str] = (),
        message_ids: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """The events of the records holding any of these ids, or of these messages, in time
        order."""
        table = tables.lineage_events
        wanted = [
            column.in_(sorted(set(values)))
            for column, values in (
                (table.c.connec_id, connec_ids),
                (table.c.partner_id, partner_ids),
                (table.c.message_id, message_ids),
            )
            if values
        ]
        if not wanted:
            return []
        query = select(table).where(or_(*wanted)).order_by(table.c.at, table.c.id)
        return self._rows(query.limit(MAX_EVENTS))

    def received_since(self, since: datetime, entity: str | None = None) -> list[dict[str, Any]]:
        """The first deliveries of the messages received since `since` (they keep the
        envelope), oldest first."""
        table = tables.lineage_events
        after = table.c.minute >= int(since.timestamp() // 60)
        query = select(table).where(after, table.c.envelope.is_not(None), table.c.at >= since)
        if entity is not None:
            query = query.where(table.c.entity == entity)
        return self._rows(query.order_by(table.c.at, table.c.id))

    def written(self, message_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Per message, its delivery that was applied (written), if any."""
        table = tables.lineage_events
        query = select(table).where(
            table.c.outcome == "applied", table.c.message_id.in_(sorted(set(message_ids)))
        )
        return {row["message_id"]: row for row in self._rows(query.order_by(table.c.id))}

    def links(self, connec_ids: Iterable[str], partner_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The state of the id map's links holding any of these ids, in any organization."""
        table = tables.id_map
        connec, partner = sorted(set(connec_ids)), sorted(set(partner_ids))
        columns = [table.c[name] for name in LINK_STATE]
        query = select(*columns).where(
            or_(table.c.connec_id.in_(connec), table.c.partner_id.in_(partner))
        )
        return _rows(self._id_map_engine, query.order_by(table.c.id))

    def settled(self, owner: str, since: datetime, routes: Iterable[tuple[str, str]]) -> int:
        """Deliveries of `owner`'s records on these (entity, direction) routes settled since
        `since` for good: applied, skipped or dead-lettered (a retry is not)."""
        table = tables.lineage_events
        wanted = [(entity, direction) for entity, direction in routes]
        if not wanted:
            return 0
        on_route = or_(*[(table.c.entity == e) & (table.c.direction == d) for e, d in wanted])
        query = select(func.count()).where(
            table.c.minute >= int(since.timestamp() // 60),
            table.c.at >= since,
            table.c.step == "delivery",
            table.c.outcome != "retried",
            table.c.owner == owner,
            on_route,
        )
        with self._engine.connect().execution_options(**READ) as conn:
            return int(conn.execute(query).scalar_one())

    def prune(self, before: datetime) -> int:
        """Drop the events older than `before`; returns how many."""
        table = tables.lineage_events
        with self._engine.begin() as conn:
            older = table.c.minute < int(before.timestamp() // 60)
            return int(conn.execute(table.delete().where(older)).rowcount)

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        return _rows(self._engine, query)


#: upper bounds (ms) of the lag buckets the status page's p99 is read from; the last is open
LAG_BOUNDS_MS = (100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 3_600_000)


class LineageActivity:
    """What the status page charts, counted in SQL per minute: records applied, their lag by
    bucket, and the reasons of skips, retries and dead letters."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def applied(self, since_minute: int) -> list[dict[str, Any]]:
        """`{minute, entity, direction, lag_bucket, count}`: applied deliveries per minute and
        route, by lag bucket (index into LAG_BOUNDS_MS; len(LAG_BOUNDS_MS): beyond, or unknown)."""
        table = tables.lineage_events
        bucket = case(
            *[(table.c.lag_ms < bound, index) for index, bound in enumerate(LAG_BOUNDS_MS)],
            else_=len(LAG_BOUNDS_MS),
        ).label("lag_bucket")
        keys = (table.c.minute, table.c.entity, table.c.direction, bucket)
        query = (
            select(*keys, func.count().label("count"))
            .where(table.c.minute >= since_minute, table.c.outcome == "applied")
            .group_by(*keys)
        )
        return self._rows(query)

    def reasons(self, since_minute: int) -> list[dict[str, Any]]:
        """`{entity, direction, outcome, reason, count}` of skips, retries and dead letters."""
        table = tables.lineage_events
        keys = (table.c.entity, table.c.direction, table.c.outcome, table.c.reason)
        query = (
            select(*keys, func.count().label("count"))
            .where(
                table.c.minute >= since_minute,
                table.c.step == "delivery",
                table.c.outcome.in_(("skipped", "retried", "dead_lettered")),
            )
            .group_by(*keys)
        )
        return self._rows(query)

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        return _rows(self._engine, query)


def _rows(engine: Engine, query: Any) -> list[dict[str, Any]]:
    with engine.connect().execution_options(**READ) as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
