"""Counting the statements a store's engines send to the database driver, whichever path runs
them (SQLAlchemy's execution or the id map's driver path, connec_sync.store.sqlalchemy_execution):
SQLite reports every statement it runs (BEGIN and COMMIT too); psycopg's cursors count theirs
(in autocommit, as the driver path runs, each is a transaction of its own)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import event

from connec_sync.store import Store
from connec_sync.store.sqlalchemy_execution import Direct


class StatementCounter:
    """Statements by their first word (SELECT, INSERT, UPDATE, BEGIN, COMMIT...), counted while
    `counting()` is open."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._on = False
        self._lock = threading.Lock()

    def seen(self, sql: Any) -> None:
        if self._on:
            with self._lock:
                self.counts[str(sql).split(None, 1)[0].upper()] += 1

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        self.counts.clear()
        self._on = True
        try:
            yield self.counts
        finally:
            self._on = False

    def statements(self) -> int:
        """Every statement but those that begin and end transactions."""
        ending = ("BEGIN", "COMMIT", "ROLLBACK")
        return sum(n for word, n in self.counts.items() if word not in ending)

    def watch(self, store: Store) -> StatementCounter:
        """Count the statements of `store`'s engines from now on: their connections are closed
        and made again with the counter on them."""
        for engine in dict.fromkeys((store.engine, store.lineage_engine)):
            event.listen(engine, "connect", self._on_connect)
            Direct.of(engine).close()
            engine.dispose()
        return self

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, psycopg.Connection):
            dbapi_connection.cursor_factory = _counting_cursor(self)
        else:
            dbapi_connection.set_trace_callback(self.seen)


def _counting_cursor(counter: StatementCounter) -> type[psycopg.Cursor[Any]]:
    class CountingCursor(psycopg.Cursor):  # type: ignore[type-arg]
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            counter.seen(query)
            return super().execute(query, *args, **kwargs)

        def executemany(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            counter.seen(query)
            return super().executemany(query, *args, **kwargs)

    return CountingCursor
