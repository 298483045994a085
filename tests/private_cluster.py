"""A test-owned three-node RabbitMQ cluster on one machine, so tests may kill its nodes.

Every node lives under one private run directory: its own node name (with a random suffix), AMQP
and distribution ports (free ones), data and logs, all on 127.0.0.1. The nodes share that
directory as HOME (so one Erlang cookie) and a private port mapper (ERL_EPMD_PORT), never the
shared broker's. The three start at once; the second and third then `join_cluster` the first.
`running_private_cluster` always stops every node, whatever the test did.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.private_broker import PrivateBroker, _tool, free_port, wait_until

#: pause_minority: a node cut off from the majority stops serving (it refuses, never diverges)
CONFIG = "loopback_users = none\ncluster_partition_handling = pause_minority\n"
#: seconds to wait for the three nodes to see each other
FORM_TIMEOUT_S = 120


@dataclass
class ClusterNode(PrivateBroker):
    """One node of a PrivateCluster: shares the cluster's HOME and port mapper."""

    home: Path = field(default_factory=Path)
    shared_epmd_port: int = 0
    #: extra arguments of the node's Erlang VM (e.g. a short net_ticktime)
    erl_args: str = ""

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env |= {"HOME": str(self.home), "ERL_EPMD_PORT": str(self.shared_epmd_port)}
        if self.erl_args:
            env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = self.erl_args
        return env

    def config(self) -> str:
        return CONFIG

    def queues_tool(self, *arguments: str) -> str:
        """`rabbitmq-queues` against this node (members of quorum queues)."""
        command = [_tool("rabbitmq-queues"), "-n", self.name, *arguments]
        done = subprocess.run(
            command, env=self.environment(), capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        super().start()


@dataclass
class PrivateCluster:
    """Three private nodes forming one cluster; `urls` lists their AMQP URLs."""

    run_dir: Path
    size: int = 3
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    epmd_port: int = field(default_factory=free_port)
    nodes: list[ClusterNode] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.nodes = [
            ClusterNode(
                self.run_dir / f"node{index}",
                name=f"c{self.suffix}-{index}@localhost",
                epmd_port=self.epmd_port,
                home=self.run_dir,
                shared_epmd_port=self.epmd_port,
            )
            for index in range(self.size)
        ]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """The comma-separated form of `broker.url` (as CONNEC_SYNC_BROKER_URL takes it)."""
        return ",".join(self.urls)

    def start(self) -> PrivateCluster:
        """Boot the nodes at once, then form the cluster."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        cookie = self.run_dir / ".erlang.cookie"
        cookie.write_text(uuid.uuid4().hex)
        cookie.chmod(0o400)
        _all_at_once([node.start for node in self.nodes])
        self.join()
        return self

    def join(self) -> None:
        """The second and third nodes join the first; waits until the three see each other."""
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.name)
            node.ctl("start_app")
        if not wait_until(self.formed, timeout=FORM_TIMEOUT_S, interval=1.0):
            raise RuntimeError(f"the cluster did not form; see {self.run_dir}")

    def formed(self) -> bool:
        """Whether every node runs and sees the others running."""
        return self.running_nodes(self.nodes[0]) == {node.name for node in self.nodes}

    def running_nodes(self, asking: ClusterNode) -> set[str]:
        try:
            status = json.loads(asking.ctl("cluster_status", "--formatter", "json", timeout=15))
        except (RuntimeError, ValueError, subprocess.TimeoutExpired):
            return set()
        return set(status.get("running_nodes", []))

    def node_named(self, name: str) -> ClusterNode:
        return next(node for node in self.nodes if node.name == name)

    def any_running(self) -> ClusterNode:
        for node in self.nodes:
            if node.beam_running():
                return node
        raise RuntimeError("no node of the cluster runs")

    def queue_leaders(self, vhost: str = "/") -> dict[str, str]:
        """Each quorum queue's leader node, asked of a running node."""
        return {row["name"]: row["leader"] for row in self._queues(vhost, "leader")}

    def queue_members(self, vhost: str = "/") -> dict[str, list[str]]:
        """Each quorum queue's member nodes."""
        return {row["name"]: row["members"] for row in self._queues(vhost, "members")}

    def _queues(self, vhost: str, column: str) -> list[dict]:  # type: ignore[type-arg]
        out = self.any_running().ctl(
            "list_queues", "-q", "-p", vhost, "--formatter", "json", "name", column
        )
        return list(json.loads(out or "[]"))

    def stop(self) -> None:
        _all_at_once([node.stop for node in self.nodes])


def _all_at_once(actions: list) -> None:  # type: ignore[type-arg]
    """Run the actions in threads at once; re-raise the first failure."""
    errors: list[BaseException] = []

    def run(action) -> None:  # type: ignore[no-untyped-def]
        try:
            action()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@contextlib.contextmanager
def running_private_cluster(size: int = 3) -> Iterator[PrivateCluster]:
    if shutil.which("rabbitmq-server") is None and not Path("/usr/lib/rabbitmq/bin").exists():
        pytest.skip("rabbitmq-server is not installed: no private cluster")
    cluster = PrivateCluster(Path(tempfile.mkdtemp(prefix="private-cluster-")), size)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
        shutil.rmtree(cluster.run_dir, ignore_errors=True)


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    """Three private nodes formed into a cluster; stopped after the test."""
    with running_private_cluster() as cluster:
        yield cluster
