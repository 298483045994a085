"""What the first-import benchmark (bench/first_import.py) runs on: a private RabbitMQ node (the
shared one is left alone: a run declares 30 quorum queues and pushes 80,000 messages), both
sandboxes in this process, a fresh SQLite store per run, the seeded books of one customer, and
the counts of what reached each sandbox (their request logs drained as they fill)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._consumer_setup import CONFIG as CONSUMER_CONFIG
from bench._consumer_setup import _ts
from sandboxes import testing
from tests.private_broker import PrivateBroker

#: the customer's books: (Connec! collection, partner resource, records at scale 1)
BOOKS = (
    ("organizations", "companies", 5000),
    ("people", "contacts", 10000),
    ("items", "products", 5000),
)
SCALE = float(os.environ.get("BENCH_IMPORT_SCALE", "1"))
#: bench.consumer's configuration, with the customer's three entities shared one way
ENTITIES_LINE = (
    'entities = {{organizations = "{direction}", people = "{direction}", items = "{direction}"}}'
)
#: the sandboxes' test credentials and organization, as the configuration names them
CREDENTIALS = {
    "api_id": testing.API_ID,
    "api_key": testing.API_KEY,
    "token": testing.API_TOKEN,
    "group": testing.GROUP_ID,
    "account": testing.ACCOUNT,
}
CONFIG = CONSUMER_CONFIG.replace('entities = {{people = "both"}}', ENTITIES_LINE)


def counts() -> dict[str, int]:
    return {collection: max(1, int(n * SCALE)) for collection, _, n in BOOKS}


def seed_records(collection: str, count: int, side: str) -> list[dict[str, Any]]:
    """`count` plain records of a collection, in the shape of `side` ("partner" or "connec")."""
    if collection == "people":
        return [{"first_name": f"First{n}", "last_name": f"Last{n}"} for n in range(count)]
    if collection == "items":
        code = "sku" if side == "partner" else "code"
        return [{"name": f"Product {n}", code: f"P-{n}"} for n in range(count)]
    return [{"name": f"Company {n}"} for n in range(count)]


@dataclass
class Arrivals:
    """Per sandbox, the creates it answered (201) and their times, and its batch calls; the
    request logs are drained every `every_s` (they keep 10,000 entries)."""

    sandboxes: dict[str, Any]
    every_s: float = 0.25
    creates: dict[str, list[float]] = field(default_factory=dict)
    batches: dict[str, list[float]] = field(default_factory=dict)

    def drain(self) -> None:
        for name, handle in self.sandboxes.items():
            for entry in handle.state.request_log.drain():
                at = _ts(entry["at"])
                if entry["method"] == "POST" and entry["status"] == 201:
                    self.creates.setdefault(name, []).append(at)
                elif entry["path"].rstrip("/").endswith("/batch"):
                    self.batches.setdefault(name, []).append(at)

    def forget(self) -> None:
        self.drain()
        self.creates.clear()
        self.batches.clear()

    def wait_creates(self, name: str, count: int, timeout_s: float) -> list[float]:
        deadline = time.monotonic() + timeout_s
        while len(self.creates.get(name, [])) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(self.creates.get(name, []))} of {count} created")
            time.sleep(self.every_s)
            self.drain()
        return sorted(self.creates[name])


class World:
    def __init__(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="bench-import-"))
        self.broker = PrivateBroker(self.work / "rabbit")
        self.broker.base.mkdir(parents=True)
        self.broker.start()
        self.connec = testing.start_connec(window_s=0.2)
        self.partner = testing.start_partner()
        self.arrivals = Arrivals({"connec": self.connec, "partner": self.partner})
        self.run = 0

    def reset(self, direction: str) -> Path:
        """Empty sandboxes, a fresh store and namespace; the config file of the run, the
        organization's books shared in `direction` only."""
        self.run += 1
        self.connec.state.reset()
        self.partner.state.reset()
        self.arrivals.forget()
        config = self.work / f"config-{self.run}.toml"
        values = {"url": self.broker.url, "namespace": f"imp{self.run}", "direction": direction}
        values |= {"connec": self.connec.url, "partner": self.partner.url, **CREDENTIALS}
        values["store"] = f"sqlite:///{self.work / f'store-{self.run}.db'}"
        config.write_text(CONFIG.format(**values))
        return config

    def seed(self, side: str) -> dict[str, list[dict[str, Any]]]:
        """The customer's books on `side`; returns the seeded records by Connec! collection."""
        seeded = {}
        for collection, resource, _ in BOOKS:
            records = seed_records(collection, counts()[collection], side)
            if side == "partner":
                seeded[collection] = self.partner.state.seed(testing.ACCOUNT, resource, records)
            else:
                seeded[collection] = self.connec.state.seed(testing.GROUP_ID, collection, records)
        self.arrivals.forget()
        return seeded

    def linked_in_connec(self) -> int:
        """Connec! records that hold our (demoapp) id."""
        return sum(
            1
            for collection, _, _ in BOOKS
            for r in self.connec.state.records(testing.GROUP_ID, collection)
            if any(e.get("provider") == "demoapp" for e in r.get("id") or [])
        )

    def close(self) -> None:
        try:
            self.connec.stop()
            self.partner.stop()
        finally:
            self.broker.stop()
            if not os.environ.get("BENCH_KEEP"):
                shutil.rmtree(self.work, ignore_errors=True)


def command(config: Path, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "commands", "--config", str(config), *arguments]


def start(arguments: list[str], output: Path | None = None) -> subprocess.Popen:
    out = output.open("w") if output else subprocess.DEVNULL
    return subprocess.Popen(arguments, stdout=out, stderr=subprocess.DEVNULL)  # noqa: S603
