"""Processes started by tests: each one in its own process group, registered, and ended at the
end of its test whatever happened (SIGTERM to the group, SIGKILL after a grace period).

`spawn(command, **popen_options)` is the fixture (tests/conftest.py) every test that starts a
process uses; `stop(process)` ends one early and says how. The session check
(`leftover_processes`) finds any process still alive that a test started: those in the registry
and, through the marker every test process inherits in its environment, their descendants too
(gunicorn's workers, a private broker's Erlang VM), whoever started them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from connec_sync.subprocesses import run_bounded

#: the `spawn` fixture's type: `spawn(command, **popen_options) -> Popen`
Spawn = Callable[..., "subprocess.Popen[Any]"]
#: environment variable every process started during a test session inherits
MARKER = "CONNEC_SYNC_TEST_SESSION"
#: seconds a SIGTERM'd process group gets before SIGKILL
GRACE_S = 10.0

_registry: list[subprocess.Popen[Any]] = []


def mark_session() -> str:
    """Give this session's marker to every process started from now on (pytest_configure)."""
    value = os.environ.setdefault(MARKER, uuid.uuid4().hex)
    return value


def spawn(command: Sequence[str], **options: Any) -> subprocess.Popen[Any]:
    """`subprocess.Popen` in a process group of its own (unless told otherwise), registered
    so that it is stopped at the end of the test and checked for at the end of the session."""
    options.setdefault("start_new_session", True)
    env = options.get("env")
    if env is not None and MARKER in os.environ:
        options["env"] = {**env, MARKER: os.environ[MARKER]}
    process = subprocess.Popen(command, **options)  # noqa: S603 (the tests' own commands)
    _registry.append(process)
    return process


def run(
    command: Sequence[str], timeout_s: float, **options: Any
) -> subprocess.CompletedProcess[Any]:
    """`subprocess.run` for tests: registered, in its own process group, the whole group killed
    when `timeout_s` passes (then `subprocess.TimeoutExpired`)."""
    env = options.get("env")
    if env is not None and MARKER in os.environ:
        options["env"] = {**env, MARKER: os.environ[MARKER]}
    return run_bounded(command, timeout_s, started=_registry.append, **options)


def stop(process: subprocess.Popen[Any], grace_s: float = GRACE_S) -> int:
    """SIGTERM to the process (and its group), SIGKILL to the group after `grace_s`; the exit
    status (negative: ended by that signal). Pipes are drained and closed."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(GRACE_S)
    _signal_group(process, signal.SIGKILL)  # what the leader left behind in its group
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.close()
    return int(process.returncode)


def stop_all(started: list[subprocess.Popen[Any]]) -> None:
    for process in reversed(started):
        stop(process)


def registered_since(mark: int) -> list[subprocess.Popen[Any]]:
    return _registry[mark:]


def registry_size() -> int:
    return len(_registry)


def _signal_group(process: subprocess.Popen[Any], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signum)
            return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signum)


def leftover_processes() -> list[str]:
    """`pid command` of every live process a test started: registered ones, and any process
    (not this one) whose environment carries this session's marker."""
    marker = os.environ.get(MARKER)
    mine = {os.getpid()}
    found = {p.pid for p in _registry if p.poll() is None}
    if marker:
        needle = f"{MARKER}={marker}".encode()
        for environ in Path("/proc").glob("[0-9]*/environ"):
            with contextlib.suppress(OSError, ValueError):
                if needle in environ.read_bytes().split(b"\0"):
                    found.add(int(environ.parent.name))
    return [f"{pid} {_command_of(pid)}" for pid in sorted(found - mine) if _alive(pid)]


def kill_leftovers(pids_and_commands: list[str]) -> None:
    for line in pids_and_commands:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(line.split()[0]), signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Alive and not a zombie (a zombie child of this process is reaped here)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return False


def _command_of(pid: int) -> str:
    with contextlib.suppress(OSError):
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:200]
    return "?"


def wait_for_line(stream: Any, needle: str, timeout_s: float) -> list[str]:
    """Lines read from a text stream up to the first holding `needle` (included); raises
    TimeoutError if it does not come within `timeout_s` (the stream is read in a thread)."""
    import queue
    import threading

    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
            if needle in line:
                break
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise TimeoutError(
        f"no line with {needle!r} within {timeout_s} s; got: {''.join(seen)[-2000:]}"
    )
