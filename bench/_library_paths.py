"""The library path each speed-up replaces, and how to switch a speed-up off in a process.

`switch_off(name)` puts the library path back in this process (the benchmark of shortcuts runs
a consumer or a receiver with `python -m bench._without NAME ... -- <connec-sync arguments>`);
each entry says what the shortcut is and what the library does instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests
from sqlalchemy import Engine

from connec_sync.store.engine import READ


class EngineStatements:
    """The id map's and link-backs' statements through SQLAlchemy's own execution (a Connection
    from the pool per statement, its execution context and type processing), the interface of
    connec_sync.store.direct.Direct."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def write(self, statement: Any, values: Mapping[str, Any]) -> dict[str, Any] | None:
        rows = self.write_all(statement, values)
        return rows[0] if rows else None

    def write_all(self, statement: Any, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        with self._engine.begin() as connection:
            result = connection.execute(statement, dict(values))
            return [dict(row) for row in result.mappings()] if result.returns_rows else []

    def read(self, statement: Any, values: Mapping[str, Any]) -> dict[str, Any] | None:
        with self._engine.connect().execution_options(**READ) as connection:
            row = connection.execute(statement, dict(values)).mappings().first()
        return dict(row) if row is not None else None

    def close(self) -> None:
        """Nothing kept: every statement took its connection from the pool."""


def library_prepared(session: Any, method: str, url: str, **options: Any) -> Any:
    """The request as requests' Session prepares it (settings, cookies and hooks merged)."""
    return session.session.prepare_request(requests.Request(method, url, **options))


def _direct_off() -> None:
    from connec_sync.store import direct

    direct.Direct.of = classmethod(lambda _cls, engine: EngineStatements(engine))  # type: ignore[assignment,method-assign]


def _prepared_off() -> None:
    from connec_sync.clients.http import JsonSession

    JsonSession._prepared = library_prepared  # type: ignore[assignment,method-assign]


def _coalescing_off() -> None:
    from connec_sync.broker import coalescing

    coalescing.COALESCING = False


#: name -> what switching the shortcut off does in this process (CPU pinning is a setting:
#: CONNEC_SYNC_BROKER_PIN_CPU=false)
SWITCHES: dict[str, Callable[[], None]] = {
    "driver_statements": _direct_off,
    "prepared_requests": _prepared_off,
    "frame_coalescing": _coalescing_off,
}


def switch_off(name: str) -> None:
    SWITCHES[name]()
