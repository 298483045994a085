"""The consumers' hot statements run on the database driver's connection itself, in place of
SQLAlchemy's statement execution (`Connection.execute`); `EngineStatements` below is that
library path, with the same interface, for the parity test and `make bench` (bench/shortcuts.py).

A consumer runs two id map transactions per applied record (the claim, then the record of what
was applied). Through SQLAlchemy's Connection each one cost about 250 µs of CPU more than the
driver took to run it (execution context, type processing of 23 columns, events, the pool's
checkout), which was a third of a consumer's CPU per record; under the applying threads'
contention it doubled. Here the statements are still built with SQLAlchemy Core
(connec_sync.store.idmap_sql) and compiled once per dialect; a call binds its values, runs
them on its thread's own DBAPI connection (see Direct), and converts values with the column
types' own bind and result processors (datetimes and booleans, which SQLite keeps as text and
integers), as SQLAlchemy would.

Transactions keep the engine's rules (connec_sync.store.engine): on SQLite the process's writers
take turns and begin with `BEGIN IMMEDIATE`; reads start no transaction. Driver errors are raised
as SQLAlchemy's (IntegrityError, OperationalError...), as through a Connection.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

from connec_sync.store.compiled_statements import Compiled, compile_statement
from connec_sync.store.engine import READ, sqlite_writers


class Direct:
    """Runs compiled Core statements on driver connections of `engine`'s, one per thread.

    A thread keeps its connection (taken from the pool, then detached from it, so it counts
    against no pool size and is closed when the thread or this object goes). Every call is one
    statement: on SQLite between `BEGIN IMMEDIATE` and COMMIT, in the writers' turn; on
    PostgreSQL in autocommit, its own transaction, in one round trip instead of three.

    The pool's pre-ping (a round trip before every checkout, which cost a PostgreSQL consumer a
    quarter of its throughput) is replaced by a retry: a statement that finds its kept
    connection dead (the server restarted) runs once more on a new one. Usually it never reached
    the server; if it was cut off midway it may have been applied, and every statement run here
    is safe to repeat: a repeated claim finds its row (IntegrityError, then found) or leases it
    (ours already), an update sets the same values, a lease already ours stays ours, a repeated
    link-back claim returns fewer rows (the others are sent once the claim expires)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._writers = sqlite_writers(engine)
        self._compiled: dict[int, tuple[ClauseElement, Compiled]] = {}
        self._kept = threading.local()

    @classmethod
    def of(cls, engine: Engine) -> Direct:
        """The one Direct of `engine` (its store's parts share their threads' connections)."""
        with _lock:
            if engine not in _directs:
                _directs[engine] = cls(engine)
            return _directs[engine]

    def write(self, statement: ClauseElement, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run `statement` in a transaction of its own; its first row returned, if any."""
        return self._run(statement, values, write=True, every=False)

    def write_all(
        self, statement: ClauseElement, values: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Run `statement` in a transaction of its own; every row it returned."""
        return list(self._run(statement, values, write=True, every=True))

    def read(self, statement: ClauseElement, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run a query outside any write transaction; its first row, if any."""
        return self._run(statement, values, write=False, every=False)

    def write_many(self, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run `statement` once per row (executemany), all in one transaction: a batch of
        inserts (lineage). Not retried on a dead connection: a repeat could insert twice."""
        compiled = self.compiled(statement)
        parameters = [compiled.parameters(row) for row in rows]
        connection, _ = self._connection()
        driver = connection.dbapi_connection
        try:
            if self._writers is not None:
                self._writers.begin(driver)
            elif driver.autocommit:  # one transaction for the batch, not one per row
                driver.autocommit = False
            self._cursor(connection).executemany(compiled.sql, parameters)
            connection.commit()
        except self._engine.dialect.loaded_dbapi.Error as error:
            _rolled_back(connection)
            if self._engine.dialect.is_disconnect(error, driver, None):
                self.close()
            raise self._wrapped(error) from error
        finally:
            if self._writers is not None:
                self._writers.end(driver)
            elif not self._sqlite and self._kept.connection is connection:
                driver.autocommit = True

    def close(self) -> None:
        """Close the calling thread's connection (others close with their threads)."""
        connection = getattr(self._kept, "connection", None)
        self._kept.connection = self._kept.cursor = None
        if connection is not None:
            with suppress(Exception):
                connection.close()

    def _run(self, statement: ClauseElement, values: Mapping[str, Any], **how: bool) -> Any:
        compiled = self.compiled(statement)
        parameters = compiled.parameters(values)
        try:
            return self._attempt(compiled, parameters, **how)
        except _DeadConnection:
            return self._attempt(compiled, parameters, **how)

    def _attempt(self, compiled: Compiled, parameters: Any, write: bool, every: bool) -> Any:
        """One transaction on the thread's connection; _DeadConnection if that kept connection
        was found dead before its commit (see the class docstring)."""
        connection, kept = self._connection()
        driver, cursor, committing = connection.dbapi_connection, None, False
        try:
            if write and self._writers is not None:
                self._writers.begin(driver)
            cursor = self._cursor(connection)
            cursor.execute(compiled.sql, parameters)
            rows = _fetched(compiled, cursor, every)
            committing = True
            if self._sqlite:  # elsewhere the statement was its own transaction (autocommit)
                connection.commit()
            return rows
        except self._engine.dialect.loaded_dbapi.Error as error:
            if self._engine.dialect.is_disconnect(error, driver, cursor):
                self.close()
                if kept and not committing:
                    raise _DeadConnection() from error
            else:
                _rolled_back(connection)
            raise self._wrapped(error) from error
        except BaseException:
            _rolled_back(connection)
            raise
        finally:
            if self._writers is not None:
                self._writers.end(driver)

    def _connection(self) -> tuple[Any, bool]:
        """The thread's connection, and whether it was kept from an earlier call."""
        kept = getattr(self._kept, "connection", None)
        if kept is not None:
            return kept, True
        connection: Any = self._engine.raw_connection()
        connection.detach()
        if not self._sqlite:  # one statement, one transaction: no BEGIN and COMMIT round trips
            connection.dbapi_connection.autocommit = True
        self._kept.connection = connection
        return connection, False

    def _cursor(self, connection: Any) -> Any:
        """`connection`'s cursor, made once (making a psycopg cursor costs about 10 µs)."""
        kept = getattr(self._kept, "cursor", None)
        if kept is None or kept[0] is not connection:
            kept = self._kept.cursor = (connection, connection.dbapi_connection.cursor())
        return kept[1]

    def compiled(self, statement: ClauseElement) -> Compiled:
        """`statement` compiled for this engine's dialect (once: statements are module constants
        or cached by their builders, so their id is stable while they are kept here)."""
        known = self._compiled.get(id(statement))
        if known is None or known[0] is not statement:
            known = (statement, compile_statement(statement, self._engine))
            self._compiled[id(statement)] = known
        return known[1]

    def _wrapped(self, error: Any) -> Exception:
        dialect = self._engine.dialect
        base = dialect.loaded_dbapi.Error
        return DBAPIError.instance("", None, error, base, dialect=dialect)


class _DeadConnection(Exception):
    """A kept connection was found dead before its statement's commit."""


#: per engine, its Direct
_directs: weakref.WeakKeyDictionary[Engine, Direct] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _fetched(compiled: Compiled, cursor: Any, every: bool) -> Any:
    if every:
        return [compiled.row(tuple(found)) for found in cursor.fetchall()]
    found = cursor.fetchone() if compiled.columns else None
    return compiled.row(tuple(found)) if found is not None else None


def _rolled_back(connection: Any) -> None:
    with suppress(Exception):  # the original error is the one to raise
        connection.rollback()


class EngineStatements:
    """The library path Direct replaces: the same calls through SQLAlchemy's own execution (a
    Connection from the pool per statement, its execution context and type processing). The
    parity test runs the id map through both; `make bench` measures one against the other."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def write(self, statement: Any, values: Mapping[str, Any]) -> dict[str, Any] | None:
        rows = self.write_all(statement, values)
        return rows[0] if rows else None

    def write_all(self, statement: Any, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        with self._engine.begin() as connection:
            result = connection.execute(statement, dict(values))
            return [dict(row) for row in result.mappings()] if result.returns_rows else []

    def write_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        with self._engine.begin() as conn:
            conn.execute(statement, list(rows))

    def read(self, statement: Any, values: Mapping[str, Any]) -> dict[str, Any] | None:
        with self._engine.connect().execution_options(**READ) as connection:
            row = connection.execute(statement, dict(values)).mappings().first()
        return dict(row) if row is not None else None

    def close(self) -> None:
        """Nothing kept: every statement took its connection from the pool."""
