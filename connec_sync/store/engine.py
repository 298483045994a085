"""Engines: SQLite in WAL mode with immediate write locks, or PostgreSQL through psycopg 3.

SQLite runs with `synchronous=NORMAL` (in WAL mode): a commit is durable against a crash of
the process (what the ack contract needs: a record is acked only after its commit returned),
and only a power loss or an OS crash may roll back the last commits before the next
checkpoint. That loss is tolerated by design: a rolled-back claim or version is applied again
from the redelivered or next message, the partner's Idempotency-Key makes a repeated create
return the first record, and the version guard skips what Connec! already holds. FULL
synchronous cost an fsync per commit (2-3 ms each, three per record), which capped a consumer
at about 40 records/s; use PostgreSQL where a power loss must not roll anything back.

Writers of one process take turns on a Python lock before `BEGIN IMMEDIATE`: a consumer applies
a few records at once (consumers.runtime.applying), and a thread waiting on SQLite's own lock sleeps
1, 2, 5, 10... ms between tries, while one waiting on the Python lock wakes when it is free.
Reads marked `READ` (execution option) start no transaction: in WAL mode each statement reads
a consistent snapshot without taking the write lock.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

#: how long a SQLite writer waits for another process's lock before failing, in ms
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: execution options of a connection that only reads (SQLite: no transaction, no write lock)
READ = {"connec_sync_read": True}


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)


def lineage_url(url: str | URL) -> str | None:
    """Where lineage (connec_sync.store.lineage) is kept apart from the store: on SQLite, a
    database file of its own beside the store's (`store.db` -> `store-lineage.db`), so that its
    batched inserts take their own write lock and never wait for, nor hold up, a consumer's id
    map commits (SQLite has one writer per file). None: in the store's own database (PostgreSQL
    writes rows concurrently; SQLite in memory has no file to put beside)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None  # a SQLite URI names its file in its own way: lineage stays inside
    path = Path(database)
    beside = path.with_name(f"{path.stem}-lineage{path.suffix}")
    return parsed.set(database=str(beside)).render_as_string(hide_password=False)


def _sqlite_engine(url: Any) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        if url.database and url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # see the module docstring
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    writers = _Writers()
    _writers[engine] = writers

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("connec_sync_read"):
            return  # autocommit reads (see the module docstring)
        # Take the write lock at the start: no deadlock upgrading a read lock across processes.
        writers.begin(conn.connection.driver_connection)

    dialect = engine.dialect
    for name in ("do_commit", "do_rollback", "do_close"):
        setattr(dialect, name, writers.ending(getattr(dialect, name)))
    return engine


#: per SQLite engine, its writers' turn (connec_sync.store.sqlalchemy_execution takes it too)
_writers: weakref.WeakKeyDictionary[Engine, _Writers] = weakref.WeakKeyDictionary()


def sqlite_writers(engine: Engine) -> _Writers | None:
    """The turn of `engine`'s writers; None for an engine that is not SQLite."""
    return _writers.get(engine)


class _Writers:
    """The process's turn to write to one SQLite database (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None  # id() of the driver connection holding the turn

    def begin(self, driver_connection: Any) -> None:
        # A thread that already writes elsewhere (nested) does not wait forever: after the
        # busy timeout it goes on, and SQLite's own lock decides, as without this turn.
        if self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            self._holder = id(_driver(driver_connection))
        try:  # straight to the driver: through exec_driver_sql it costs as much as a statement
            driver_connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.end(driver_connection)
            raise

    def end(self, connection: Any) -> None:
        if self._holder is not None and self._holder == id(_driver(connection)):
            self._holder = None
            self._lock.release()

    def ending(self, method: Any) -> Any:
        """`method` (the dialect's commit, rollback or close), then the turn ends."""

        def ended(connection: Any) -> None:
            try:
                method(connection)
            finally:
                self.end(connection)

        return ended


def _driver(connection: Any) -> Any:
    """The sqlite3 connection behind a pool's proxy (the dialect is handed either)."""
    return getattr(connection, "driver_connection", None) or connection
