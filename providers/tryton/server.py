"""Running a real Tryton server here: for the tests, and for a demo against Tryton.

A server copies the cached template (providers.tryton.template) for each of its databases into a
private temporary folder, writes its own configuration there, listens on a free 127.0.0.1 port,
and is stopped (SIGTERM, then SIGKILL) and its folder removed by `stop()` or the `with` block;
it is also killed when the process that started it ends (Linux).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from providers.tryton.template import TrytonUnavailable, tail, template, write_config

#: longest wait for a server to answer after its start, and to end after SIGTERM
START_TIMEOUT_S, STOP_TIMEOUT_S = 60.0, 10.0


class TrytonServer:
    """A `trytond` process serving copies of the template as `databases` on 127.0.0.1.

    `url` is its base URL, `facts` the template's (the same ids in every database) with the
    REST key in `facts["api_key"]`. Use as a context manager, or call start() and stop()."""

    def __init__(self, databases: tuple[str, ...] = ("books",), currency: str = "USD") -> None:
        self.databases = databases
        self.currency = currency
        self.url = ""
        self.facts: dict[str, Any] = {}
        self.folder: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_key(self) -> str:
        return str(self.facts["api_key"])

    @property
    def admin_password(self) -> str:
        return str(self.facts["admin_password"])

    @property
    def log(self) -> str:
        """The end of the server's log (for a failure message)."""
        return tail(self.folder / "trytond.log") if self.folder else ""

    def start(self) -> TrytonServer:
        made = template(self.currency)
        self.facts = made.facts
        self.folder = Path(tempfile.mkdtemp(prefix="tryton-"))
        try:
            port = _free_port()
            conf = write_config(self.folder, listen=f"127.0.0.1:{port}")
            for name in self.databases:
                shutil.copyfile(made.path, self.folder / "db" / f"{name}.sqlite")
            self.url = f"http://127.0.0.1:{port}"
            self._spawn(conf)
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, conf: Path) -> None:
        assert self.folder is not None
        command = [sys.executable, "-m", "trytond.cli", "-c", str(conf), "-d", *self.databases]
        with open(self.folder / "trytond.log", "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_end_with_parent,  # noqa: PLW1509 - only a prctl call
            )

    def _wait_until_answering(self) -> None:
        """Until the server answers JSON-RPC (its databases' pools are loaded before it
        listens); raise if it exits or takes longer than START_TIMEOUT_S."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(self.url):
            if self.process.poll() is not None:
                raise TrytonUnavailable(f"trytond exited ({self.process.returncode}):\n{self.log}")
            if time.monotonic() > deadline:
                raise TrytonUnavailable(
                    f"trytond did not answer in {START_TIMEOUT_S} s:\n{self.log}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT_S; the private folder is removed."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            _signal(process, signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal(process, signal.SIGKILL)
                process.wait()
        folder, self.folder = self.folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> TrytonServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


#: prctl's option that has the kernel signal a process when its parent ends (Linux)
PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """Run in the server's process before trytond starts: be killed when the process (strictly,
    the thread) that started it ends, so that a test run or demo killed outright leaves no
    trytond behind. Elsewhere than on Linux, nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the server's own process group (it was started in a session of its own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    body = json.dumps({"id": 0, "method": "common.server.version", "params": []}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        f"{url}/rpc/", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False
