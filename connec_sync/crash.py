"""Crash points for fault tests: `CONNEC_SYNC_CRASH_POINT=<name>:<n>` makes the process exit
abruptly (`os._exit(70)`, no cleanup, no ack) the n-th time the named point is passed."""

from __future__ import annotations

import os
import sys
from collections import Counter

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
