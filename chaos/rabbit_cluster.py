"""The fault suite's three-node RabbitMQ cluster (tests/private_cluster.py) with the faults of
the cluster rows: kill -9 a node, stop one gracefully, restart it; and what the harness asks of
a broker (`url`, `ctl`), answered by any running node."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from tests.private_cluster import ClusterNode, PrivateCluster


class ChaosRabbitCluster(PrivateCluster):
    """Three private nodes the harness may kill and restart (never the shared broker)."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__(run_dir)

    def ctl(self, *arguments: str, timeout: float = 60) -> str:
        """`rabbitmqctl` against a running node."""
        return self.any_running().ctl(*arguments, timeout=timeout)

    def busiest_leader(self, prefix: str) -> ClusterNode:
        """The node leading most of the queues whose names start with `prefix`."""
        out = self.ctl("list_queues", "-q", "--formatter", "json", "name", "leader")
        leaders = Counter(
            row["leader"] for row in json.loads(out or "[]") if row["name"].startswith(prefix)
        )
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
