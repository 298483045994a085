"""The system under test as real processes: a private RabbitMQ node behind fault proxies, the two
sandboxes, the receiver (gunicorn) and N consumer processes, sharing one temporary TOML config.
Every process logs to a file of the run directory."""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from chaos.broker import ChaosBroker
from chaos.processes import Process
from chaos.proxy import FaultProxy
from chaos.rabbit_cluster import ChaosRabbitCluster
from connec_sync.crash import POISON_ENV
from tests import resources, services
from tests.private_broker import free_port, wait_until

TENANT, API_ID, API_KEY = "default", "chaos-id", "chaos-key"
GROUP, ACCOUNT, PROVIDER = "cld-chaos", "acct-chaos", "demoapp"
TOKEN = "chaos-token"  # noqa: S105 (the sandbox's token, not a secret)
SECRET = "whsec_" + base64.b64encode(b"chaos-suite-webhook-secret-0001").decode()
NAMESPACE = "chaos"
#: text that makes a consumer raise for a record (see connec_sync.crash.FaultPoints)
CRASH_MARKER = "chaos-crasher"
ENTITIES = ("organizations", "people")
#: short tiers so the long outage fits in a test run; one tier at least Retry-After (5 s), and
#: a retry budget (~50 s) longer than the 30 s rate-limit window
RETRY_DELAYS_S, MAX_ATTEMPTS, DELIVERY_LIMIT = (1, 2, 5, 10), 8, 5
#: API client timeout: "slow answers past the client timeout" use a latency above it
CLIENT_TIMEOUT_S = 2.0
HEARTBEAT_S = 4

CONFIG = """
[broker]
url = "{broker_url}"
namespace = "{namespace}"
prefetch = 10
confirm_timeout_s = 3.0
delivery_limit = {delivery_limit}
max_attempts = {max_attempts}
retry_delays_s = {retry_delays}
heartbeat_s = {heartbeat}
[store]
url = "{store_url}"
[receiver]
host = "127.0.0.1"
port = {receiver_port}
operator_port = {operator_port}
workers = 2
[connec]
base_url = "http://127.0.0.1:{connec_port}"
timeout_s = {timeout}
[connec.tenants.{tenant}]
api_id = "{api_id}"
api_key = "{api_key}"
[partner]
provider = "{provider}"
base_url = "http://127.0.0.1:{partner_port}"
api_token = "{token}"
webhook_secrets = ["{secret}"]
timeout_s = {timeout}
[[organizations]]
tenant = "{tenant}"
group_id = "{group}"
account = "{account}"
entities = {{ organizations = "both", people = "both" }}
"""


@dataclass
class Cluster:
    """Start with `start()`, stop with `stop()`; `run_dir` keeps the logs."""

    consumers: int = 2
    #: RabbitMQ nodes: 1 (behind the fault proxies) or a cluster of 3 (every process given the
    #: three URLs, no proxy)
    rabbit_nodes: int = 1
    #: on a cluster: the last node's distribution traffic through fault proxies (a partition)
    partitionable: bool = False
    run_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="chaos-")))
    seed: int = 0
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    broker: ChaosBroker | ChaosRabbitCluster | None = None
    receiver_link: FaultProxy | None = None
    consumer_link: FaultProxy | None = None
    store_url: str = ""
    _schema: str | None = None
    _postgres: str = ""

    @property
    def receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['receiver']}"

    @property
    def connec_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['connec']}"

    @property
    def partner_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['partner']}"

    @property
    def consumer_names(self) -> list[str]:
        return [name for name in self.processes if name.startswith("consumer-")]

    def start(self) -> Cluster:
        if self.rabbit_nodes > 1:
            rabbit = ChaosRabbitCluster(self.run_dir / "rabbit", self.partitionable)
            self.broker = rabbit.start()
        else:
            self._start_single_node()
        self.ports = {name: free_port() for name in ("receiver", "operator", "connec", "partner")}
        self.store_url = self._store_url()
        config = self._write_config()
        self._run_once(["--config", str(config), "migrate"])
        self._start_sandboxes(config)
        self._start_receiver(config)
        for index in range(self.consumers):
            self.start_consumer(index)
        return self

    def _start_single_node(self) -> None:
        broker = self.broker = ChaosBroker(self.run_dir / "rabbit")
        broker.base.mkdir(parents=True, exist_ok=True)
        broker.start()
        target = ("127.0.0.1", broker.amqp_port)
        self.receiver_link = FaultProxy(*target).start()
        self.consumer_link = FaultProxy(*target).start()

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()
        for link in (self.receiver_link, self.consumer_link):
            if link is not None:
                link.stop()
        if self.broker is not None:
            self.broker.stop()
        self._drop_store()

    def cleanup(self) -> None:
        """Remove the run directory (keep it when a scenario failed, for the logs)."""
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def start_consumer(self, index: int, env: dict[str, str] | None = None) -> Process:
        name = f"consumer-{index}"
        arguments = ["--config", str(self.config_path), "consume", *ENTITIES]
        link_env = {
            "CONNEC_SYNC_BROKER_URL": self._link_url(self.consumer_link),
            POISON_ENV: CRASH_MARKER,
        }
        process = Process(
            name, arguments, self.run_dir / f"{name}.log", {**link_env, **(env or {})}
        )
        self.processes[name] = process.start()
        if not wait_until(lambda: process.log_count("consumer_subscribed") >= 1, timeout=60):
            raise RuntimeError(f"{name} did not subscribe; see {process.log_path}")
        return process

    def consumers_subscribed(self, at_least: int = 1) -> bool:
        """Whether every consumer subscribed `at_least` times (reconnects count)."""
        return all(
            self.processes[name].log_count("consumer_subscribed") >= at_least
            for name in self.consumer_names
        )

    def run_command(self, *arguments: str, timeout_s: float = 120) -> str:
        """`connec-sync --config ... <arguments>` straight to the broker (not through a link);
        its output. Raises RuntimeError on a non-zero exit."""
        command = [sys.executable, "-m", "commands", "--config", str(self.config_path)]
        assert self.broker is not None
        env = {**os.environ, "CONNEC_SYNC_BROKER_URL": self.broker.url}
        done = subprocess.run(  # noqa: S603 (our own command)
            [*command, *arguments], env=env, capture_output=True, text=True, timeout=timeout_s
        )
        if done.returncode != 0:
            raise RuntimeError(f"connec-sync {' '.join(arguments)}: {done.stderr[-2000:]}")
        return done.stdout

    def receiver_ready(self) -> bool:
        try:
            return requests.get(self.receiver_url + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    @property
    def config_path(self) -> Path:
        return self.run_dir / "config.toml"

    def _write_config(self) -> Path:
        values = {
            "broker_url": self._link_url(self.receiver_link),
            "namespace": NAMESPACE,
            "delivery_limit": DELIVERY_LIMIT,
            "max_attempts": MAX_ATTEMPTS,
            "retry_delays": list(RETRY_DELAYS_S),
            "heartbeat": HEARTBEAT_S,
            "store_url": self.store_url,
            "receiver_port": self.ports["receiver"],
            "operator_port": self.ports["operator"],
            "connec_port": self.ports["connec"],
            "partner_port": self.ports["partner"],
            "timeout": CLIENT_TIMEOUT_S,
            **{"tenant": TENANT, "api_id": API_ID, "api_key": API_KEY, "provider": PROVIDER},
            **{"token": TOKEN, "secret": SECRET, "group": GROUP, "account": ACCOUNT},
        }
        self.config_path.write_text(CONFIG.format(**values))
        return self.config_path

    def _link_url(self, link: FaultProxy | None) -> str:
        """The broker URL through a fault proxy (on a cluster: the nodes' own URLs)."""
        if link is None:
            assert isinstance(self.broker, ChaosRabbitCluster)
            return self.broker.url
        return f"amqp://guest:guest@127.0.0.1:{link.port}/%2F"

    def _store_url(self) -> str:
        url = services.find_postgres()
        if url is None:
            return f"sqlite:///{self.run_dir / 'store.db'}"
        self._schema = f"chaos_{uuid.uuid4().hex[:10]}"
        resources.made(resources.SCHEMA, self._schema, url)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self._schema}"'))
        engine.dispose()
        self._postgres = url
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}options=-csearch_path%3D{self._schema}"

    def _drop_store(self) -> None:
        if self._schema is None:
            return
        engine = create_engine(self._postgres, isolation_level="AUTOCOMMIT")
        with contextlib.suppress(Exception), engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{self._schema}" CASCADE'))
        engine.dispose()
        self._schema = None

    def _run_once(self, arguments: list[str]) -> None:
        process = Process("setup", arguments, self.run_dir / "setup.log").start()
        assert process.popen is not None
        if process.popen.wait(60) != 0:
            raise RuntimeError(f"connec-sync {arguments[-1]} failed; see {process.log_path}")
        process.stop()

    def _start_sandboxes(self, config: Path) -> None:
        common = ["--seed", str(self.seed), "--window", "0.05"]
        for kind in ("connec", "partner"):
            arguments = ["--config", str(config), "sandbox", kind, "--port", str(self.ports[kind])]
            process = Process(kind, [*arguments, *common], self.run_dir / f"{kind}.log")
            self.processes[kind] = process.start()
            url = f"http://127.0.0.1:{self.ports[kind]}/_sandbox/state"
            if not wait_until(lambda url=url: _answers(url), timeout=30):
                raise RuntimeError(f"the {kind} sandbox did not start; see {process.log_path}")

    def _start_receiver(self, config: Path) -> None:
        process = Process(
            "receiver", ["--config", str(config), "receiver"], self.run_dir / "receiver.log"
        )
        self.processes["receiver"] = process.start()
        if not wait_until(self.receiver_ready, timeout=60):
            raise RuntimeError(f"the receiver did not become ready; see {process.log_path}")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
