"""One stop measured (SIGTERM, then the wait, then SIGABRT for the stacks of a process that did
not stop), CPU burners for contention, and the figures of many stops per command."""

from __future__ import annotations

import contextlib
import math
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic

#: a graceful stop ends within this many seconds of the SIGTERM (the guarantee)
STOP_LIMIT_S = 10.0
#: seconds a process gets to print its stacks after SIGABRT before it is killed
DUMP_WAIT_S = 10.0
#: the moments a SIGTERM lands at; `twice`: while serving, then a second one while stopping
STARTUP, SERVING, BUSY, TWICE = "start-up", "serving", "busy", "twice"
#: a second SIGTERM while stopping ends the process within this many seconds ("at once")
AT_ONCE_S = 2.0
#: a start-up stop lands between these shares of the command's last time to ready (the first
#: third or so is the interpreter loading modules, before any handler of ours exists)
STARTUP_SHARES = (0.3, 1.1)
#: characters of a process's log kept in a failure's message
TAIL_CHARS = 12_000


@dataclass
class Stop:
    """One SIGTERM and what came of it; `problem` is empty when the stop was as promised."""

    command: str
    moment: str
    seconds: float | None
    status: int | None
    problem: str = ""


@dataclass
class Figures:
    """The stops of one command."""

    command: str
    stops: list[Stop] = field(default_factory=list)
    #: problems found after the stops (the ledger checks)
    problems: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [s.problem for s in self.stops if s.problem] + self.problems

    @property
    def passed(self) -> bool:
        return bool(self.stops) and not self.failures

    def line(self) -> str:
        times = sorted(s.seconds for s in self.stops if s.seconds is not None)
        exits = Counter(s.status for s in self.stops)
        moments = Counter(s.moment for s in self.stops)
        verdict = "PASS" if self.passed else f"FAIL ({len(self.failures)})"
        return (
            f"{self.command:<18} stops={len(self.stops):<4} "
            f"max={_at(times, 1.0):5.2f}s p99={_at(times, 0.99):5.2f}s "
            f"p50={_at(times, 0.5):5.2f}s exits={dict(sorted(exits.items(), key=str))} "
            f"moments={dict(sorted(moments.items()))} {verdict}"
        )


def _at(times: list[float], quantile: float) -> float:
    if not times:
        return 0.0
    return times[min(len(times) - 1, max(0, math.ceil(quantile * len(times)) - 1))]


def startup_delay(rng: random.Random, ready_s: float) -> float:
    """Seconds after the start at which a start-up stop lands."""
    low, high = STARTUP_SHARES
    return rng.uniform(low * ready_s, high * ready_s)


def sigterm_and_measure(
    command: str,
    moment: str,
    process: subprocess.Popen[bytes],
    log_path: Path,
    allowed: tuple[int, ...] = (0,),
    again_after_s: float = 0.0,
) -> Stop:
    """SIGTERM to the process (as Kubernetes sends it), then wait up to STOP_LIMIT_S. A process
    still running gets SIGABRT (faulthandler prints every thread's stack into its log) and the
    log's tail is the problem. A SIGTERM during the interpreter's own start-up, before any
    handler exists, ends the process by the signal: allowed for start-up moments. For `twice`,
    a second SIGTERM follows after `again_after_s` and must end the process at once."""
    began = monotonic()
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        if moment == TWICE:  # 143: our handler's exit; -15: it had given the signals back
            allowed = (*allowed, 128 + signal.SIGTERM, -signal.SIGTERM)
            status = _second_sigterm(process, again_after_s)
        else:
            status = process.wait(STOP_LIMIT_S)
    except subprocess.TimeoutExpired:
        return Stop(command, moment, None, None, _hung(command, moment, process, log_path))
    took = monotonic() - began
    if moment == STARTUP:
        allowed = (*allowed, -signal.SIGTERM)
    problem = "" if status in allowed else _failed(command, moment, status, log_path)
    if not problem and _group_alive(process.pid):
        problem = f"{command} ({moment}): exited {status} but left processes in its group"
    _kill_group(process.pid)
    return Stop(command, moment, took, status, problem)


def _second_sigterm(process: subprocess.Popen[bytes], after_s: float) -> int:
    """The exit status once a second SIGTERM `after_s` into the stop has ended it; raises
    TimeoutExpired if it did not end within AT_ONCE_S of it."""
    try:
        return process.wait(after_s)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    return process.wait(AT_ONCE_S)


def _hung(command: str, moment: str, process: subprocess.Popen[bytes], log_path: Path) -> str:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGABRT)  # faulthandler: every thread's stack, then abort
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(DUMP_WAIT_S)
    _kill_group(process.pid)
    process.wait()
    return (
        f"{command} did not stop within {STOP_LIMIT_S:.0f} s of a SIGTERM ({moment}); "
        f"its log ends with the thread stacks it printed on SIGABRT:\n{tail(log_path)}"
    )


def _failed(command: str, moment: str, status: int, log_path: Path) -> str:
    return f"{command} stopped ({moment}) with status {status}; its log ends:\n{tail(log_path)}"


def tail(path: Path, chars: int = TAIL_CHARS) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-chars:]
    return ""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@contextlib.contextmanager
def cpu_burners(count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` processes spinning on a CPU each while inside (the contention the issue saw)."""
    burners = [
        subprocess.Popen(  # noqa: S603 (this interpreter)
            [sys.executable, "-c", "while True: pass"], start_new_session=True
        )
        for _ in range(count)
    ]
    try:
        yield burners
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
