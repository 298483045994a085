"""The bootstrapped Tryton database that every server here starts from, made once and cached.

A new database (providers.tryton.bootstrap: a company, a chart of accounts, fiscal years, taxes,
a payment method, a REST key) takes about a minute to make, so it is made once and kept as a
template file in a cache folder, keyed by the installed trytond, module and proteus versions,
the bootstrap's own source, the currency and the year (the fiscal years are this year's
neighbours). Processes making the same template wait for one another on a lock file; a template
is moved into place only when whole.

Needs the `tryton` extra (`pip install -e '.[tryton]'`); `available()` says whether it is there.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
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
#: longest wait for a step of making a template (trytond-admin takes about a minute)
BOOTSTRAP_TIMEOUT_S = 600.0


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
        conf = write_config(work, listen="127.0.0.1:0")
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
            raise TrytonUnavailable(f"{error}\n{tail(log)}") from None


def write_config(folder: Path, listen: str) -> Path:
    (folder / "db").mkdir(exist_ok=True)
    conf = folder / "trytond.conf"
    conf.write_text(
        f"[database]\nuri = sqlite://\npath = {folder / 'db'}\n[web]\nlisten = {listen}\n"
    )
    return conf


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
