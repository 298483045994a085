"""Fault points for the fault tests, read from the environment once, when a process starts
(`FaultPoints.from_environ()` in its composition root), then handed to what passes them:

- `CONNEC_SYNC_CRASH_POINT=<name>:<n>` makes the process exit abruptly (`os._exit(70)`, no
  cleanup, no ack) the n-th time the named point is passed;
- `CONNEC_SYNC_POISON_MARKER=<text>`: a record whose JSON contains the text makes the handler
  raise, as a mapper bug would (poison that only the delivery limit stops).

With neither set (production), passing a point or checking a record does nothing.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: environment variable naming the point and the pass to crash at, e.g. "after_write_before_ack:3"
ENV = "CONNEC_SYNC_CRASH_POINT"
#: environment variable: the poison marker
POISON_ENV = "CONNEC_SYNC_POISON_MARKER"
#: exit status of a deliberate crash (EX_SOFTWARE)
CRASH_EXIT = 70


class PoisonedRecord(RuntimeError):
    """A record carrying the poison marker of CONNEC_SYNC_POISON_MARKER (fault tests)."""


@dataclass
class FaultPoints:
    """The crash point (name, pass) and the poison marker of a process; none by default."""

    crash_at: tuple[str, int] | None = None
    poison_marker: str | None = None
    _passes: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> FaultPoints:
        spec = environ.get(ENV)
        crash_at = None
        if spec:
            target, colon, nth = spec.rpartition(":")
            crash_at = (target, int(nth)) if colon else (spec, 1)
        return cls(crash_at, environ.get(POISON_ENV) or None)

    def point(self, name: str) -> None:
        """Mark a named point: exit the process if it is the configured one, at its pass."""
        if self.crash_at is None or self.crash_at[0] != name:
            return
        with self._lock:
            self._passes += 1
            if self._passes != self.crash_at[1]:
                return
        print(f'{{"event": "crash_point_reached", "point": "{name}"}}', flush=True)
        sys.stderr.flush()
        os._exit(CRASH_EXIT)

    def check_record(self, record: Any) -> None:
        """Raise PoisonedRecord for a record carrying the poison marker."""
        if self.poison_marker and self.poison_marker in json.dumps(record, default=str):
            raise PoisonedRecord(f"the record carries the poison marker {self.poison_marker!r}")


#: what a process without fault points passes (production)
NO_FAULTS = FaultPoints()
