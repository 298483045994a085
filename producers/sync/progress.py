"""A sync run's progress: records read, published and applied, the applying rate and the time
left. On a terminal, a one-line bar on stderr redrawn in place; otherwise a `sync_progress` log
line every LOG_EVERY_S (JSON in production) and one when the run ends.

"Applied" is what the consumers settled of the run's records (applied, or skipped as already
there), counted from lineage (producers/sync/applied.py). The rate is over the last
RATE_WINDOW_S; the ETA is the records read so far and not yet applied at that rate (a step not
read yet is not in it)."""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from connec_sync import logs

#: width of the bar in characters
BAR_WIDTH = 20
#: seconds of applied counts the rate is measured over
RATE_WINDOW_S = 10.0
#: a terminal is redrawn at most this often (a page of records is published in milliseconds)
REDRAW_S = 0.2
#: seconds between two progress log lines off a terminal
LOG_EVERY_S = 5.0

log = logs.get_logger(__name__)


class Progress(Protocol):
    def started(self, label: str, steps: int) -> None: ...

    def step(self, index: int, entity: str, direction: str) -> None: ...

    def read(self, records: int) -> None: ...

    def published(self, records: int) -> None: ...

    def applied(self, total: int) -> None: ...

    def finished(self, state: str) -> None: ...


@dataclass
class Tally:
    """Counts of one run, and the applied counts of the last RATE_WINDOW_S for the rate."""

    read: int = 0
    published: int = 0
    applied: int = 0
    clock: Any = time.monotonic
    samples: deque[tuple[float, int]] = field(default_factory=deque)

    def applied_now(self, total: int) -> None:
        now = self.clock()
        self.applied = total
        self.samples.append((now, total))
        while len(self.samples) > 2 and now - self.samples[1][0] >= RATE_WINDOW_S:
            self.samples.popleft()

    def rate(self) -> float:
        """Records applied per second over the window; 0 before two counts."""
        if len(self.samples) < 2:
            return 0.0
        (then, first), (now, last) = self.samples[0], self.samples[-1]
        return (last - first) / (now - then) if now > then else 0.0

    def eta_s(self) -> float | None:
        """Seconds until what was read is applied, at the current rate; None: nothing read or
        no rate yet."""
        left, rate = max(self.read - self.applied, 0), self.rate()
        if not self.read:
            return None
        if not left:
            return 0.0
        return left / rate if rate > 0 else None


class _Shown:
    """What both displays keep: the label, the steps, the current step and the tally."""

    #: seconds between two showings (a step, and the end, are shown at once)
    every_s = 0.0

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self.label, self.steps, self.done, self.current = "", 0, 0, ""
        self.tally = Tally(clock=clock)
        self._shown_at = float("-inf")

    def started(self, label: str, steps: int) -> None:
        self.label, self.steps, self.done, self.current = label, steps, 0, ""
        self.tally = Tally(clock=self.clock)
        self._show(force=True)

    def step(self, index: int, entity: str, direction: str) -> None:
        self.done, self.current = index, f"{entity} {direction}"
        self._show(force=True)

    def read(self, records: int) -> None:
        self.tally.read += records
        self._show()

    def published(self, records: int) -> None:
        self.tally.published += records
        self._show()

    def applied(self, total: int) -> None:
        self.tally.applied_now(total)
        self._show()

    def finished(self, state: str) -> None:
        self.done, self.current = self.steps, state
        self._show(force=True, final=True)

    def _show(self, force: bool = False, final: bool = False) -> None:
        now = self.clock()
        if force or now - self._shown_at >= self.every_s:
            self._shown_at = now
            self.show(final)

    def show(self, final: bool) -> None:
        raise NotImplementedError


class NoProgress(_Shown):
    """Shows nothing (a Runner made without a display: tests, the demo)."""

    def show(self, final: bool) -> None:
        pass


class TerminalProgress(_Shown):
    """`cld-1 [########------------] 2/6 people to-connec | read 12,000 published 12,000
    applied 4,800 | 310/s ETA 0:23`, redrawn in place; the bar is applied over read."""

    every_s = REDRAW_S

    def __init__(self, stream: TextIO, clock: Any = time.monotonic) -> None:
        super().__init__(clock)
        self.stream = stream

    def show(self, final: bool) -> None:
        t = self.tally
        filled = min(BAR_WIDTH, BAR_WIDTH * t.applied // t.read) if t.read else 0
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = (
            f"{self.label} [{bar}] {self.done}/{self.steps} {self.current} | read {t.read:,} "
            f"published {t.published:,} applied {t.applied:,} | {t.rate():,.0f}/s "
            f"ETA {clock_time(t.eta_s())}"
        )
        self.stream.write("\r\x1b[K" + line + ("\n" if final else ""))
        self.stream.flush()


class LogProgress(_Shown):
    """A `sync_progress` log line every LOG_EVERY_S and when the run ends."""

    every_s = LOG_EVERY_S

    def show(self, final: bool) -> None:
        t, eta = self.tally, self.tally.eta_s()
        log.info(
            "sync_progress",
            group_id=self.label,
            step=f"{self.done}/{self.steps}",
            current=self.current,
            read=t.read,
            published=t.published,
            applied=t.applied,
            applied_per_s=round(t.rate(), 1),
            eta_s=None if eta is None else round(eta),
        )


def clock_time(seconds: float | None) -> str:
    """`1:02:03`, `2:03`; `?` when not known."""
    if seconds is None:
        return "?"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_for(stream: Any = None) -> Progress:
    """A terminal bar when `stream` (default stderr) is a TTY, else progress log lines."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return TerminalProgress(stream) if isatty is not None and isatty() else LogProgress()
