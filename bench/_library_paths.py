"""The library path each speed-up replaces, and how to switch a speed-up off in a process.

`switch_off(name)` puts the library path back in this process (the benchmark of shortcuts runs
a consumer or a receiver with `python -m bench._without NAME ... -- <connec-sync arguments>`);
each entry says what the shortcut is and what the library does instead.
"""

from __future__ import annotations

from collections.abc import Callable


def _direct_off() -> None:
    from connec_sync.store import sqlalchemy_execution as execution

    execution.Direct.of = classmethod(lambda _cls, engine: execution.EngineStatements(engine))  # type: ignore[assignment,method-assign]


def _prepared_off() -> None:
    from connec_sync.clients.request_preparation import RequestPreparation

    RequestPreparation.prepared = RequestPreparation.library  # type: ignore[method-assign]


def _sending_off() -> None:
    from connec_sync.clients.direct_sending import DirectSending

    DirectSending.send = DirectSending.library  # type: ignore[method-assign]


def _coalescing_off() -> None:
    from connec_sync.broker.rabbitmq import coalescing

    coalescing.COALESCING = False


def _compiled_off() -> None:
    """Every schema loaded by marshmallow's own `load` (schemas/compiled.py compiles none)."""
    from schemas import compiled

    compiled.compiled = lambda _schema: None  # type: ignore[assignment]


def _lineage_off() -> None:
    """Not a shortcut: the consumer without its lineage (bench/lineage.py measures its cost)."""
    from consumers import lineage

    lineage.LineageRecorder.settled = lambda *_args, **_kw: None  # type: ignore[method-assign]
    lineage.LineageRecorder.linked_back = lambda *_args, **_kw: None  # type: ignore[method-assign]


#: name -> what switching the shortcut off does in this process (CPU pinning is a setting:
#: CONNEC_SYNC_BROKER_PIN_CPU=false)
SWITCHES: dict[str, Callable[[], None]] = {
    "driver_statements": _direct_off,
    "prepared_requests": _prepared_off,
    "direct_sending": _sending_off,
    "frame_coalescing": _coalescing_off,
    "compiled_schemas": _compiled_off,
    "lineage": _lineage_off,
}


def switch_off(name: str) -> None:
    SWITCHES[name]()
