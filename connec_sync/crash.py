"""Crash points for fault tests: `CONNEC_SYNC_CRASH_POINT=<name>:<n>` makes the process exit
abruptly (`os._exit(70)`, no cleanup, no ack) the n-th time the named point is passed."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

#: environment variable naming the point and the pass to crash at, e.g. "after_write_before_ack:3"
ENV = "CONNEC_SYNC_CRASH_POINT"
#: exit status of a deliberate crash (EX_SOFTWARE)
CRASH_EXIT = 70

_passes: Counter[str] = Counter()


def point(name: str) -> None:
    """Mark a named point; a no-op unless CONNEC_SYNC_CRASH_POINT names it."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    target, colon, nth = spec.rpartition(":")
    if not colon:
        target, nth = spec, "1"
    if target != name:
        return
    _passes[name] += 1
    if _passes[name] == int(nth):
        print(f'{{"event": "crash_point_reached", "point": "{name}"}}', flush=True)
        sys.stderr.flush()
        os._exit(CRASH_EXIT)


def reset() -> None:
    """Forget passes counted so far (tests)."""
    _passes.clear()


#: environment variable: a record whose JSON contains this text makes the handler raise, as a
#: mapper bug would (fault tests: poison that only the delivery limit stops)
POISON_ENV = "CONNEC_SYNC_POISON_MARKER"


class PoisonedRecord(RuntimeError):
    """A record carrying the poison marker of CONNEC_SYNC_POISON_MARKER (fault tests)."""


def poisonable(handler: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    """The handler itself unless CONNEC_SYNC_POISON_MARKER is set; then a wrapper that raises
    PoisonedRecord for a record carrying the marker."""
    marker = os.environ.get(POISON_ENV)
    if not marker:
        return handler

    def poisoned(envelope: dict[str, Any]) -> Any:
        if marker in json.dumps(envelope.get("record"), default=str):
            raise PoisonedRecord(f"the record carries the poison marker {marker!r}")
        return handler(envelope)

    return poisoned
