"""The fault suite's three-node RabbitMQ cluster (tests/private_cluster.py) with the faults of
the cluster rows: kill -9 a node, stop one gracefully, restart it, cut the last one off from the
other two; and what the harness asks of a broker (`url`, `ctl`), answered by any running node.

The partition: the last node has a port mapper of its own, in which the first two are
registered at fault proxies in front of their distribution ports, and the first two's port
mapper has the last registered at a proxy in front of its port (chaos/epmd.py). All traffic
between the last node and the others crosses those proxies; blackholing them cuts it off. A
short net_ticktime makes the nodes notice within seconds."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from chaos.epmd import Registration
from chaos.proxy_process import ProxyProcess
from tests.private_broker import free_port
from tests.private_cluster import ClusterNode, PrivateCluster

#: seconds of silence after which nodes take a peer for gone (Erlang's default: 60)
NET_TICKTIME_S = 8


class ChaosRabbitCluster(PrivateCluster):
    """Three private nodes the harness may kill and restart (never the shared broker)."""

    def __init__(self, run_dir: Path, partitionable: bool = False) -> None:
        super().__init__(run_dir)
        self.partitionable = partitionable
        self.cut_off = self.nodes[-1]
        self.proxies: list[ProxyProcess] = []
        self._registrations: list[Registration] = []
        if partitionable:  # only then: the proxies slow the nodes' traffic down
            for node in self.nodes:
                node.erl_args = f"-kernel net_ticktime {NET_TICKTIME_S}"
            self.cut_off.shared_epmd_port = self.cut_off.epmd_port = free_port()

    def join(self) -> None:
        """Form the cluster; a partitionable one routes the last node's distribution traffic
        through the proxies first."""
        if not self.partitionable:
            super().join()
            return
        self.proxies = [ProxyProcess("127.0.0.1", node.dist_port).start() for node in self.nodes]
        *rest, last = self.nodes
        self._registrations = [Registration(self.epmd_port, last.name, self.proxies[-1].port)]
        self._registrations += [
            Registration(last.epmd_port, node.name, proxy.port)
            for node, proxy in zip(rest, self.proxies, strict=False)
        ]
        super().join()

    def partition(self) -> None:
        """Cut the last node off from the other two: nothing flows between them."""
        assert self.partitionable, "a partition needs ChaosRabbitCluster(partitionable=True)"
        for proxy in self.proxies:
            proxy.set_mode("blackhole")

    def heal(self) -> None:
        """Let traffic flow again, on fresh connections (the blackholed ones are reset)."""
        for proxy in self.proxies:
            proxy.set_mode("reset")
            proxy.set_mode("pass")

    def stop(self) -> None:
        super().stop()
        for registration in self._registrations:
            registration.close()
        for proxy in self.proxies:
            proxy.stop()

    def ctl(self, *arguments: str, timeout: float = 60) -> str:
        """`rabbitmqctl` against a running node; RuntimeError when it does not answer."""
        return self._ctl_on(self.any_running(), *arguments, timeout=timeout)

    @staticmethod
    def _ctl_on(node: ClusterNode, *arguments: str, timeout: float = 60) -> str:
        try:
            return node.ctl(*arguments, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(f"rabbitmqctl {arguments[0]} timed out") from error

    def queue_depths(self) -> dict[str, int]:
        """Messages (ready or unacked) in each queue, read from each queue's leader."""
        depths: dict[str, int] = {}
        for row in self.list_queues("name", "messages"):
            depths[row["name"]] = max(int(row["messages"] or 0), depths.get(row["name"], 0))
        return depths

    def list_queues(self, *columns: str) -> list[dict[str, Any]]:
        """`rabbitmqctl list_queues` rows ({column: value}) of the whole cluster.

        A cluster-wide listing has every node send its queues' rows straight to the
        rabbitmqctl process, which registers only in the port mapper of the node it was started
        against; the last node of a partitionable cluster has a port mapper of its own, so it
        and the first two cannot find each other's rabbitmqctl, and such a listing never ends
        (`Some queue(s) are unresponsive`, docs/chaos.md). So a partitionable cluster is listed
        node by node, each node its own queues (`--local`, where their leader runs)."""
        arguments = ("list_queues", "-q", "--formatter", "json", *columns)
        if not self.partitionable:
            return list(json.loads(self.ctl(*arguments) or "[]"))
        running = [node for node in self.nodes if node.beam_running()]
        with ThreadPoolExecutor(len(running) or 1) as pool:
            outs = pool.map(lambda node: self._ctl_on(node, *arguments, "--local"), running)
            return [row for out in outs for row in json.loads(out or "[]")]

    def busiest_leader(self, prefix: str) -> ClusterNode:
        """The node leading most of the queues whose names start with `prefix`."""
        rows = self.list_queues("name", "leader")
        leaders = Counter(row["leader"] for row in rows if row["name"].startswith(prefix))
        name = leaders.most_common(1)[0][0] if leaders else self.nodes[0].name
        return self.node_named(name)

    def restart(self, node: ClusterNode) -> float:
        """Start a killed or stopped node again on its ports and data (it rejoins by itself);
        returns the seconds it took."""
        started = time.monotonic()
        node.start()
        return time.monotonic() - started

    def stop_gracefully(self, node: ClusterNode) -> None:
        """`rabbitmqctl stop`, as an upgrade does (leaders hand over first)."""
        node.ctl("stop", str(node.pid_file), timeout=120)
