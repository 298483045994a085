"""Engines: SQLite in WAL mode with immediate write locks, or PostgreSQL through psycopg 3.

SQLite runs with `synchronous=NORMAL` (in WAL mode): a commit is durable against a crash of
the process (what the ack contract needs: a record is acked only after its commit returned),
and only a power loss or an OS crash may roll back the last commits before the next
checkpoint. That loss is tolerated by design: a rolled-back claim or version is applied again
from the redelivered or next message, the partner's Idempotency-Key makes a repeated create
return the first record, and the version guard skips what Connec! already holds. FULL
synchronous cost an fsync per commit (2-3 ms each, three per record), which capped a consumer
at about 40 records/s; use PostgreSQL where a power loss must not roll anything back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

#: how long a SQLite writer waits for another process's lock before failing, in ms
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)


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

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock at the start: no deadlock upgrading a read lock across processes.
        # Straight to the driver: through exec_driver_sql it costs as much as a statement.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")

    return engine
