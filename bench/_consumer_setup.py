"""What the consumer benchmark (bench/consumer.py) runs on: both sandboxes in this process, one
broker namespace for the whole run (deleted at the end), a fresh store per measured run (a SQLite
file, or a PostgreSQL schema dropped at the end), consumer processes, and what they cost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from connec_sync.broker import Message, declare_all, open_broker
from connec_sync.broker.setup import queue_specs
from connec_sync.settings import Settings
from connec_sync.store import Store
from mappers.registry import COLLECTIONS
from sandboxes import testing
from tests.private_broker import PrivateBroker

BROKER_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
POSTGRES_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
CONFIG = """
[broker]
url = "{url}"
namespace = "{namespace}"
prefetch = 20
[store]
url = "{store}"
[connec]
base_url = "{connec}"
[connec.tenants.default]
api_id = "{api_id}"
api_key = "{api_key}"
[partner]
base_url = "{partner}"
api_token = "{token}"
[[organizations]]
tenant = "default"
group_id = "{group}"
account = "{account}"
entities = {{people = "both"}}
"""


class Bench:
    def __init__(
        self, work: Path, entities: tuple[str, ...] = ("people",), broker_url: str | None = None
    ) -> None:
        """`entities`: those whose queues this process declares (the benchmarks move people; a
        consumer process declares every entity's, and `close` deletes them all). `broker_url`:
        the broker to run on; none: RABBITMQ_URL's when it is set, else a private node started
        here for the run and stopped by `close` (every entity's queues, 182, are more than a
        shared development broker should be given)."""
        self.work, self.entities = work, entities
        self.node: PrivateBroker | None = None
        if broker_url is None and "RABBITMQ_URL" not in os.environ:
            self.node = PrivateBroker(work / "rabbit")
            self.node.base.mkdir(parents=True)
            self.node.start()
        self.broker_url = broker_url or (self.node.url if self.node else BROKER_URL)
        self.connec, self.partner = testing.start_connec(window_s=0.2), testing.start_partner()
        self.namespace = f"bench-{uuid.uuid4().hex[:8]}"
        self.schemas: list[str] = []
        #: how long the partner sandbox waits before each answer (kept across resets)
        self.partner_latency_s = 0.0
        self.settings = self.configure(0, "sqlite")
        declare_all(self.settings.broker, entities)

    def configure(self, run: int, store: str) -> Settings:
        text = CONFIG.format(
            url=self.broker_url,
            namespace=self.namespace,
            store=f"sqlite:///{self.work / f'store-{run}.db'}"
            if store == "sqlite"
            else self._schema(run),
            connec=self.connec.url,
            partner=self.partner.url,
            api_id=testing.API_ID,
            api_key=testing.API_KEY,
            token=testing.API_TOKEN,
            group=testing.GROUP_ID,
            account=testing.ACCOUNT,
        )
        path = self.work / f"config-{run}.toml"
        path.write_text(text)
        self.config = path
        return Settings.from_file(path)

    def reset(self, run: int, store: str = "sqlite") -> None:
        """Empty both sandboxes (ids start over on both sides, as in a fresh store); a fresh
        store for this run."""
        self.partner.state.reset()
        if self.partner_latency_s:
            self.partner.state.faults.set(latency_s=self.partner_latency_s)
        self.connec.state.reset()
        self.settings = self.configure(run, store)
        Store.open(self.settings.store.url).close()

    def people(self, prefix: str, count: int) -> list[dict[str, Any]]:
        records = [{"first_name": f"{prefix}{n}", "last_name": "Bench"} for n in range(count)]
        return self.connec.state.seed(testing.GROUP_ID, "people", records)

    def publish(self, routing_key: str, bodies: list[bytes], exchange: str | None = None) -> None:
        exchange = exchange if exchange is not None else f"{self.namespace}.work"
        with open_broker(self.settings.broker) as broker:
            broker.publish(
                [Message(exchange, routing_key, body, uuid.uuid4().hex) for body in bodies]
            )

    def posts(self) -> list[float]:
        """When the partner answered each create (201), in order."""
        log = self.partner.state.request_log.entries()
        return sorted(_ts(e["at"]) for e in log if e["method"] == "POST" and e["status"] == 201)

    def batches(self) -> list[float]:
        """When Connec! answered each batch call (the link-backs), in order."""
        log = self.connec.state.request_log.entries()
        return sorted(_ts(e["at"]) for e in log if e["path"].rstrip("/").endswith("/batch"))

    def wait_posts(self, count: int, timeout_s: float = 300) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.posts()) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(self.posts())} of {count} records applied")
            time.sleep(0.05)

    def wait_linked(self, prefix: str, count: int, timeout_s: float = 60) -> int:
        """Wait until Connec! holds our id for `count` records named `prefix*`; returns them."""
        deadline = time.monotonic() + timeout_s
        while (linked := self.linked(prefix)) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return linked

    def linked(self, prefix: str) -> int:
        records = self.connec.state.records(testing.GROUP_ID, "people")
        return sum(
            1
            for r in records
            if str(r.get("first_name", "")).startswith(prefix)
            and any(e.get("provider") == "demoapp" for e in r.get("id") or [])
        )

    def close(self) -> None:
        try:
            with open_broker(self.settings.broker) as broker:
                # every entity's: a consumer process declares them all (commands/consume.py)
                names = [s.name for s in queue_specs(self.settings.broker, COLLECTIONS)]
                broker.delete_queues([*names, f"{self.namespace}.raw"])
        finally:
            self.connec.stop()
            self.partner.stop()
            self._drop_schemas()
            if self.node is not None:
                self.node.stop()

    def _schema(self, run: int) -> str:
        schema = f"bench_{self.namespace[6:]}_{run}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{url}?options=-csearch_path%3D{schema}"

    def _drop_schemas(self) -> None:
        if self.schemas:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                for schema in self.schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _ts(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def consumer(config: Path, without: tuple[str, ...] = ()) -> subprocess.Popen:
    """`connec-sync consume people --direction to-app`; with the speed-ups named in `without`
    switched off (bench/_library_paths.py; `pin_cpu` is the setting broker.pin_cpu)."""
    switched = [name for name in without if name != "pin_cpu"]
    command = [sys.executable, "-m", "bench._without", *switched, "--", "--config", str(config)]
    command += ["--log-level", "warning", "consume", "people", "--direction", "to-app"]
    env = dict(os.environ)
    if "pin_cpu" in without:
        env["CONNEC_SYNC_BROKER_PIN_CPU"] = "false"
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)  # noqa: S603


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every CPU summed (/proc/stat)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    total = sum(ticks[:8])  # guest time is already counted in user
    return (total - idle) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(20)
