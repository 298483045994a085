"""Stopping a long-running process on SIGTERM or SIGINT without a race (issue 20).

A Python signal handler runs in the main thread between two bytecodes, possibly while that
thread holds a lock: a log write (structlog's PrintLogger), an `Event`'s condition, a buffered
stream. A handler that logs, takes a lock or joins a thread can deadlock the process on itself.
So the handlers installed here do nothing at all: the C-level handler writes the signal's number
to a pipe (`signal.set_wakeup_fd`) before any Python runs, and a relay thread reads it and, in
ordinary code, sets `StopRequest.event` and calls the stop callbacks once. The stop itself
(logging, closing, joining) runs in the command's own loop.

- A second SIGTERM or SIGINT while stopping ends the process at once: `os._exit(128 + signum)`,
  no logging, no locks.
- A stop that overruns `deadline_s` dumps every thread's stack to stderr (faulthandler) and
  exits with `EXIT_STOP_DEADLINE`: a graceful stop takes under 10 s, or explains itself.
- A process that was asked to stop ends without the interpreter's finalization once its command
  has returned (`stopped()`, `end_now`, called by the `connec-sync` entry point): by then it has
  closed what it opened, and the final garbage collection held stopped processes past 10 s
  under load (the stop stress test: `Garbage-collecting`, no Python frame).

Every long-running command (consume, receiver, sync --every, sandbox, run, poll) does:

    with StopRequest.installed() as stop:
        stop.on_stop(worker.stop)   # optional: called once, on the relay thread
        ...                          # start-up may check `stop.requested` between steps
        stop.wait()                  # or its own loop until `stop.requested`
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import NoReturn

#: the signals that ask for a graceful stop
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
#: after a stop request, seconds before the process exits whatever it is doing (under 10 s)
DEFAULT_DEADLINE_S = 9.5
#: exit status when the stop deadline forced the exit
EXIT_STOP_DEADLINE = 75
#: byte written to the pipe to wake the relay (no signal has number 0)
_WAKE = b"\0"
#: set once a stop of this process was requested (by a signal or from code)
_STOPPED = threading.Event()


def enable_stack_dumps() -> None:
    """SIGABRT (and SIGSEGV, SIGFPE, SIGBUS, SIGILL) print every thread's stack to stderr before
    the process ends: a stuck process explains itself (`kill -ABRT <pid>`). Left as it is when
    already on (PYTHONFAULTHANDLER, or pytest's own in an in-process test)."""
    if faulthandler.is_enabled():
        return
    with contextlib.suppress(AttributeError, ValueError, OSError):  # no usable stderr
        faulthandler.enable(file=sys.stderr, all_threads=True)


def _record(_signum: int, _frame: FrameType | None) -> None:
    """The Python-level handler: nothing (the wake-up fd already carries the signal)."""


class StopRequest:
    """One process's stop request; see the module docstring."""

    def __init__(self, deadline_s: float | None = DEFAULT_DEADLINE_S) -> None:
        self.deadline_s = deadline_s
        #: set once a stop is requested (by a signal or by `request`)
        self.event = threading.Event()
        #: the signal that asked, None when asked from code
        self.signum: int | None = None
        self._requested_at = 0.0
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()  # taken in ordinary code only, never in a handler
        self._pipe: tuple[int, int] | None = None
        self._previous: dict[int, object] = {}
        self._previous_wakeup = -1
        self._closing = False
        self._relay: threading.Thread | None = None

    @classmethod
    @contextlib.contextmanager
    def installed(cls, deadline_s: float | None = DEFAULT_DEADLINE_S) -> Iterator[StopRequest]:
        """Handle SIGTERM and SIGINT while inside (main thread only); the previous handlers
        come back after."""
        stop = cls(deadline_s)
        stop.install()
        try:
            yield stop
        finally:
            stop.uninstall()

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    @property
    def reason(self) -> str:
        """`SIGTERM`, `SIGINT` or `request` (asked from code)."""
        return signal.Signals(self.signum).name if self.signum else "request"

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until a stop is requested or `timeout_s` passed; True if requested."""
        return self.event.wait(timeout_s)

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call `callback` once when the stop is requested (at once if it already was)."""
        with self._lock:
            if not self.event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def request(self, signum: int | None = None) -> None:
        """Ask for the stop from code (e.g. `run --for`), as a first signal does."""
        with self._lock:
            if self.event.is_set():
                return
            self.signum, self._requested_at = signum, time.monotonic()
            self.event.set()
            _STOPPED.set()
            callbacks, self._callbacks = self._callbacks, []
        self._wake()  # the relay starts counting the deadline
        for callback in callbacks:
            callback()

    def install(self) -> None:
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        self._pipe = (read_fd, write_fd)
        self._previous_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, _record) for sig in STOP_SIGNALS}
        self._relay = threading.Thread(target=self._relay_signals, name="stop-relay", daemon=True)
        self._relay.start()

    def uninstall(self, restore_handlers: bool = True) -> None:
        """End the relay and give back the wake-up fd (and the handlers, unless someone else,
        e.g. gunicorn's arbiter, has installed its own since)."""
        if self._pipe is None:
            return
        signal.set_wakeup_fd(self._previous_wakeup)
        if restore_handlers:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)  # type: ignore[arg-type]
        self._closing = True
        self._wake()
        if self._relay is not None:
            self._relay.join(2.0)
        for fd in self._pipe:
            os.close(fd)
        self._pipe = None

    def _wake(self) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError):  # full: the relay wakes anyway
                os.write(self._pipe[1], _WAKE)

    def _relay_signals(self) -> None:
        assert self._pipe is not None
        read_fd = self._pipe[0]
        while not self._closing:
            try:
                ready, _, _ = select.select([read_fd], [], [], self._time_left())
                if not ready:
                    _exit_at_deadline(self.deadline_s)
                received = os.read(read_fd, 64)
            except OSError:  # closed under it by an uninstall that stopped waiting for it
                return
            for signum in received:
                if signum in STOP_SIGNALS and not self._closing:
                    self._on_signal(signum)

    def _time_left(self) -> float | None:
        if not self.event.is_set() or self.deadline_s is None:
            return None
        return max(0.0, self._requested_at + self.deadline_s - time.monotonic())

    def _on_signal(self, signum: int) -> None:
        if self.event.is_set():
            _write_stderr(f"{signal.Signals(signum).name} again while stopping: exiting now\n")
            os._exit(128 + signum)
        self.request(signum)


def stopped() -> bool:
    """Whether a stop of this process was requested (it is ending)."""
    return _STOPPED.is_set()


def end_now(status: int) -> NoReturn:
    """End a process that has closed what it opened: logs and streams flushed, then
    `os._exit(status)`, without the interpreter's finalization (atexit, the final garbage
    collection of every object), which under CPU contention once held a stopped process past
    its 10 s."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()
    os._exit(status)


def _exit_at_deadline(deadline_s: float | None) -> None:
    _write_stderr(f'{{"event": "stop_deadline_passed", "deadline_s": {deadline_s}}}\n')
    with contextlib.suppress(AttributeError, ValueError, OSError):
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    os._exit(EXIT_STOP_DEADLINE)


def _write_stderr(text: str) -> None:
    """Straight to fd 2: no Python-level lock that a stuck thread might hold."""
    with contextlib.suppress(OSError):
        os.write(2, text.encode())


__all__ = [
    "EXIT_STOP_DEADLINE",
    "STOP_SIGNALS",
    "StopRequest",
    "enable_stack_dumps",
    "end_now",
    "stopped",
]
