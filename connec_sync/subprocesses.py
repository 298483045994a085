"""Running a command with a time limit that holds: `subprocess.run(timeout=...)` kills only the
child it started, so a wrapper script's own children (`su`, an Erlang VM) outlive it, keep its
pipes open and are left behind. `run_bounded` starts the command in a process group of its own
and kills the whole group when the time is up."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from typing import Any


def run_bounded(
    command: Sequence[str],
    timeout_s: float,
    started: Callable[[subprocess.Popen[Any]], None] = lambda _process: None,
    **options: Any,
) -> subprocess.CompletedProcess[Any]:
    """`subprocess.run(command, timeout=timeout_s, **options)` in a new process group; on timeout
    the group is killed and `subprocess.TimeoutExpired` raised. `check=True` raises
    `CalledProcessError` on a non-zero status. `started` sees the process once it runs."""
    check = options.pop("check", False)
    if options.pop("capture_output", False):
        options["stdout"] = options["stderr"] = subprocess.PIPE
    with subprocess.Popen(command, start_new_session=True, **options) as process:  # noqa: S603
        started(process)
        try:
            output, errors = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)  # the leader is not reaped yet: the group id is still its
            process.communicate()
            raise
    if check and process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command, output, errors)
    return subprocess.CompletedProcess(command, process.returncode, output, errors)


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
