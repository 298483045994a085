"""Running a real Tryton server here: for the tests, and for a demo against Tryton.

A bootstrapped SQLite database (providers.tryton.bootstrap: a company, a chart of accounts,
fiscal years, taxes, a payment method, a REST key) takes about a minute to make, so it is made
once and kept as a template file in a cache folder, keyed by the installed trytond, module and
proteus versions, the bootstrap's own source, the currency and the year (the fiscal years are
this year's neighbours). A server copies the template for each of its databases into a private
temporary folder, writes its own configuration there, listens on a free 127.0.0.1 port, and is
stopped (SIGTERM, then SIGKILL) and its folder removed by `stop()` or the `with` block.

Needs the `tryton` extra (`pip install -e '.[tryton]'`); `available()` says whether it is there.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

#: the bootstrap script, run by path: it imports proteus, which only the `tryton` extra brings
BOOTSTRAP = Path(__file__).with_name("bootstrap.py")

#: the distributions whose versions key the template
DISTRIBUTIONS = (
    "trytond",
    "trytond-party",
    "trytond-company",
    "trytond-currency",
    "trytond-country",
    "trytond-product",
    "trytond-account",
    "trytond-account-product",
    "trytond-account-invoice",
    "trytond-party-relationship",
    "proteus",
)
#: the modules activated in a new database (their dependencies come along)
MODULES = ("account_invoice", "party_relationship", "country")
CACHE_ENV = "CONNEC_SYNC_TRYTON_CACHE"
#: part of the template key: raise it when a template's contents change other than through
#: bootstrap.py's source (which is in the key already)
TEMPLATE_FORMAT = 3
#: longest wait for a template to be made (trytond-admin takes about a minute) and for a
#: server to answer
BOOTSTRAP_TIMEOUT_S, START_TIMEOUT_S, STOP_TIMEOUT_S = 600.0, 60.0, 10.0


class TrytonUnavailable(RuntimeError):
    """Tryton could not be made ready: not installed, or a bootstrap or start failed."""


def available() -> bool:
    """Whether trytond and proteus are installed (the `tryton` extra)."""
    return all(importlib.util.find_spec(name) for name in ("trytond", "proteus"))


@dataclass(frozen=True)
class Template:
    """A bootstrapped database file and the facts about it (bootstrap's ids and REST key)."""

    path: Path
    facts: dict[str, Any]


def template(currency: str = "USD", cache: Path | None = None) -> Template:
    """The cached template for the installed versions, made first if missing. Processes
    making the same template at once wait for one another (a lock file)."""
    folder = cache or cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    key = template_key(currency)
    database, facts = folder / f"{key}.sqlite", folder / f"{key}.json"
    with open(folder / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not facts.exists():  # the facts file is written last: its presence marks a whole one
            _make_template(folder, currency, database, facts)
    return Template(database, json.loads(facts.read_text()))


def cache_folder() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "connec-sync" / "tryton"


def template_key(currency: str) -> str:
    """A hash of what the template depends on: versions, bootstrap source, currency, year."""
    parts = [f"{name}=={_version(name)}" for name in DISTRIBUTIONS]
    parts += [BOOTSTRAP.read_text(), currency, str(date.today().year)]
    parts.append(f"format {TEMPLATE_FORMAT}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise TrytonUnavailable(
            f"{distribution} is not installed: pip install -e '.[tryton]'"
        ) from None


def _make_template(folder: Path, currency: str, database: Path, facts: Path) -> None:
    """trytond-admin activates the modules in a new SQLite file, the bootstrap sets the books
    up; both run in a scratch folder, moved into place when whole."""
    with tempfile.TemporaryDirectory(dir=folder, prefix="making-") as scratch:
        work = Path(scratch)
        conf = _write_config(work, listen="127.0.0.1:0")
        (work / "db" / "template.sqlite").touch()
        password = secrets.token_urlsafe(18)  # admin's: the JSON-RPC login of the pay wizard
        (work / "password").write_text(password + "\n")
        admin = [sys.executable, "-m", "trytond.cli.admin", "-c", str(conf), "-d", "template"]
        admin += ["--email", "admin@example.com", "--all", "-u", *MODULES]
        _run(admin + ["--activate-dependencies"], work, {"TRYTONPASSFILE": str(work / "password")})
        made = work / "facts.json"
        _run(
            [sys.executable, str(BOOTSTRAP), str(conf), "template", str(made), currency],
            work,
        )
        made.write_text(json.dumps({**json.loads(made.read_text()), "admin_password": password}))
        _checkpoint(work / "db" / "template.sqlite")
        os.replace(work / "db" / "template.sqlite", database)
        os.replace(made, facts)


def _checkpoint(path: Path) -> None:
    """Fold SQLite's write-ahead log into the file, so that the file alone is the database."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()


def _run(command: list[str], work: Path, env: dict[str, str] | None = None) -> None:
    log = work / "run.log"
    with open(log, "w") as out:
        try:
            subprocess.run(  # noqa: S603 - our own interpreter and arguments
                command,
                cwd=work,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=BOOTSTRAP_TIMEOUT_S,
                check=True,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise TrytonUnavailable(f"{error}\n{_tail(log)}") from None


def _write_config(folder: Path, listen: str) -> Path:
    (folder / "db").mkdir(exist_ok=True)
    conf = folder / "trytond.conf"
    conf.write_text(
        f"[database]\nuri = sqlite://\npath = {folder / 'db'}\n[web]\nlisten = {listen}\n"
    )
    return conf


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


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
        return _tail(self.folder / "trytond.log") if self.folder else ""

    def start(self) -> TrytonServer:
        made = template(self.currency)
        self.facts = made.facts
        self.folder = Path(tempfile.mkdtemp(prefix="tryton-"))
        try:
            port = _free_port()
            conf = _write_config(self.folder, listen=f"127.0.0.1:{port}")
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
