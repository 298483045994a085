"""A one-line progress bar on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import Any, Protocol, TextIO

#: width of the bar in characters
BAR_WIDTH = 20


class Progress(Protocol):
    def started(self, label: str, steps: int) -> None: ...

    def step(self, index: int, entity: str, direction: str) -> None: ...

    def advanced(self, records: int) -> None: ...

    def finished(self, state: str) -> None: ...


class NoProgress:
    """Off a terminal: the logs say it all."""

    def started(self, label: str, steps: int) -> None:
        pass

    def step(self, index: int, entity: str, direction: str) -> None:
        pass

    def advanced(self, records: int) -> None:
        pass

    def finished(self, state: str) -> None:
        pass


class TerminalProgress:
    """`cld-1 [########------------] 2/5 people to-app 250 records`, redrawn in place."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.label, self.steps, self.done = "", 0, 0
        self.current, self.records = "", 0

    def started(self, label: str, steps: int) -> None:
        self.label, self.steps, self.done, self.records, self.current = label, steps, 0, 0, ""
        self._draw()

    def step(self, index: int, entity: str, direction: str) -> None:
        self.done, self.current = index, f"{entity} {direction}"
        self._draw()

    def advanced(self, records: int) -> None:
        self.records += records
        self._draw()

    def finished(self, state: str) -> None:
        self.done, self.current = self.steps, state
        self._draw()
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self) -> None:
        filled = BAR_WIDTH * self.done // self.steps if self.steps else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = (
            f"{self.label} [{bar}] {self.done}/{self.steps} {self.current} {self.records} records"
        )
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()


def progress_for(stream: Any = None) -> Progress:
    """A terminal bar when `stream` (default stderr) is a TTY, else nothing."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return TerminalProgress(stream) if isatty is not None and isatty() else NoProgress()
