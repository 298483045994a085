"""Real connec-sync processes for the fault suite: start, signal, kill -9, restart, read logs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

#: seconds a SIGTERM'd process gets before it is killed when the harness stops it
STOP_GRACE_S = 12.0


@dataclass
class Process:
    """One `python -m commands ...` process; its output goes to `<run dir>/<name>.log`."""

    name: str
    arguments: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    #: working directory (None: this process's)
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = None

    def start(self) -> Process:
        self._log = self.log_path.open("ab")
        self._log.write(f"--- start {self.starts + 1} at {time.time():.3f}\n".encode())
        self._log.flush()
        command = [sys.executable, "-m", "commands", *self.arguments]
        self.popen = subprocess.Popen(  # noqa: S603 (our own command)
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            cwd=self.cwd,
            start_new_session=True,  # a signal to the harness's group never reaches it
        )
        self.starts += 1
        return self

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> int | None:
        """`kill -9`: no cleanup, unacked deliveries go back to their queues."""
        return self._signal_and_wait(signal.SIGKILL, 10)

    def terminate(self, timeout_s: float = STOP_GRACE_S) -> tuple[int | None, float]:
        """SIGTERM, then wait: (exit status or None if still alive, seconds it took)."""
        started = time.monotonic()
        status = self._signal_and_wait(signal.SIGTERM, timeout_s)
        return status, time.monotonic() - started

    def stop(self) -> None:
        if self.alive():
            status, _ = self.terminate()
            if status is None:
                self.kill9()
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self, env: dict[str, str] | None = None) -> Process:
        self.stop()
        if env is not None:
            self.env = env
        return self.start()

    def log_text(self) -> str:
        with contextlib.suppress(FileNotFoundError):
            return self.log_path.read_text(errors="replace")
        return ""

    def log_count(self, event: str) -> int:
        """Lines of the log naming the event (JSON logs: `"event": "<name>"`)."""
        needle = f'"event": "{event}"'
        return sum(1 for line in self.log_text().splitlines() if needle in line)

    def _signal_and_wait(self, signum: int, timeout_s: float) -> int | None:
        if self.popen is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            if signum == signal.SIGKILL:  # the whole group: gunicorn's workers too
                os.killpg(self.popen.pid, signum)
            else:
                self.popen.send_signal(signum)
        try:
            return self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return None
