"""What the receiver asks of the store, on the database driver itself (sqlite3 or psycopg), with
no SQLAlchemy: its organizations by group or account, and the partner webhook deliveries it
already published. SQLAlchemy and its engine cost each receiver process 12 MB for these few
statements (README "Receiver memory").

The schema is the store's (tables.py), created or upgraded by `Store.open` before the receiver's
workers start (`connec-sync receiver` does it); the same statements as organizations.py and
deliveries.py, with the values stored as SQLAlchemy stores them (on SQLite: datetimes as UTC
text, booleans as integers, JSON as text). Each thread has its own connection, in autocommit:
every statement here is its own transaction. A URL these parsers do not take plainly (SQLite
URI options, another driver) opens the whole `Store` instead, which has the same two attributes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from connec_sync.store.organization import Organization, organization_of

#: how long a SQLite statement waits for another process's write lock, in seconds (engine.py)
SQLITE_BUSY_TIMEOUT_S = 30.0
_ORGANIZATION_COLUMNS = (
    *("id", "tenant", "group_id", "account"),
    *("entities", "enabled", "conflict_winner"),
)


def open_receiving(url: str) -> Any:
    """The receiver's store for `url`: `organizations` (by_group, by_account), `deliveries`
    (seen, record, forget_older_than) and `close()`."""
    connect = _sqlite(url) or _postgresql(url)
    if connect is None:
        from connec_sync.store.handle import Store

        return Store.open(url)
    return ReceivingStore(*connect)


class ReceivingStore:
    def __init__(self, connect: Callable[[], Any], marker: str, sqlite: bool) -> None:
        self._connections = _Connections(connect, sqlite)
        self.organizations = ReceivingOrganizations(self._connections, marker)
        self.deliveries = ReceivingDeliveries(self._connections, marker, sqlite)

    def close(self) -> None:
        self._connections.close()


class ReceivingOrganizations:
    def __init__(self, connections: _Connections, marker: str) -> None:
        self._connections = connections
        columns = ", ".join(_ORGANIZATION_COLUMNS)
        self._select = f"SELECT {columns} FROM organizations WHERE "  # noqa: S608 - constants
        self._marker = marker

    def by_group(self, tenant: str, group_id: str) -> Organization | None:
        where = f"tenant = {self._marker} AND group_id = {self._marker}"
        return self._one(where, (tenant, group_id))

    def by_account(self, account: str) -> Organization | None:
        return self._one(f"account = {self._marker}", (account,))

    def _one(self, where: str, values: tuple[str, ...]) -> Organization | None:
        row = self._connections.run(self._select + where, values, fetch=True)
        return organization_of(dict(zip(_ORGANIZATION_COLUMNS, row, strict=True))) if row else None


class ReceivingDeliveries:
    """As connec_sync.store.deliveries.Deliveries."""

    def __init__(self, connections: _Connections, marker: str, sqlite: bool) -> None:
        self._connections = connections
        self._marker = marker
        self._sqlite = sqlite

    def seen(self, webhook_id: str) -> bool:
        sql = f"SELECT id FROM webhook_deliveries WHERE id = {self._marker}"  # noqa: S608
        return self._connections.run(sql, (webhook_id,), fetch=True) is not None

    def record(self, webhook_id: str) -> None:
        """Remember a delivery once its records are confirmed; recording it twice is fine."""
        values = f"VALUES ({self._marker}, {self._marker}) ON CONFLICT (id) DO NOTHING"
        sql = f"INSERT INTO webhook_deliveries (id, received_at) {values}"
        self._connections.run(sql, (webhook_id, self._time(datetime.now(UTC))))

    def forget_older_than(self, age: timedelta) -> int:
        sql = f"DELETE FROM webhook_deliveries WHERE received_at < {self._marker}"  # noqa: S608
        return int(self._connections.run(sql, (self._time(datetime.now(UTC) - age),)))

    def _time(self, moment: datetime) -> Any:
        """As SQLAlchemy binds a UtcDateTime: SQLite keeps UTC text, PostgreSQL a timestamptz."""
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if self._sqlite else moment


class _Connections:
    """One autocommit connection per thread; one that broke is replaced once per statement."""

    def __init__(self, connect: Callable[[], Any], sqlite: bool) -> None:
        self._connect = connect
        self._broken: tuple[type[BaseException], ...] = (sqlite3.ProgrammingError,)
        if not sqlite:
            import psycopg

            self._broken = (psycopg.OperationalError, psycopg.InterfaceError)
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def run(self, sql: str, values: tuple[Any, ...], fetch: bool = False) -> Any:
        """The first row when `fetch`, else how many rows the statement changed."""
        for attempt in (1, 2):
            connection = self._own()
            try:
                cursor = connection.execute(sql, values)
                return cursor.fetchone() if fetch else cursor.rowcount
            except self._broken:
                self._drop(connection)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _own(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
            with self._lock:
                self._all.append(connection)
        return connection

    def _drop(self, connection: Any) -> None:
        self._local.connection = None
        with self._lock:
            if connection in self._all:
                self._all.remove(connection)
        connection.close()

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            connection.close()


def _sqlite(url: str) -> tuple[Callable[[], Any], str, bool] | None:
    """SQLAlchemy's `sqlite:///relative/path` or `sqlite:////absolute/path`, nothing else."""
    prefix = "sqlite:///"
    path = url[len(prefix) :] if url.startswith(prefix) else ""
    if not path or path == ":memory:" or "?" in path or path.startswith("file:"):
        return None

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(
            path, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    return connect, "?", True


def _postgresql(url: str) -> tuple[Callable[[], Any], str, bool] | None:
    """`postgresql://` or `postgresql+psycopg://` (the store's driver), as libpq reads it."""
    scheme, _, rest = url.partition("://")
    if scheme not in ("postgresql", "postgresql+psycopg") or not urlsplit(url).hostname:
        return None
    conninfo = f"postgresql://{rest}"

    def connect() -> Any:
        import psycopg

        return psycopg.connect(conninfo, autocommit=True)

    return connect, "%s", False
