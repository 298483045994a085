"""How the fault suite reads queue depths from `rabbitmqctl list_queues` (one node, a cluster)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chaos.broker import messages_by_queue
from chaos.rabbit_cluster import ChaosRabbitCluster

pytestmark = pytest.mark.timeout(10)


def test_a_listing_gives_each_queue_its_messages_and_leaves_out_lines_it_cannot_read() -> None:
    listing = "chaos.people.to-app\t3\nchaos.people.to-app.dead\t0\nWarning: some text here\n\n"
    assert messages_by_queue(listing) == {"chaos.people.to-app": 3, "chaos.people.to-app.dead": 0}


def test_a_queue_listed_by_two_nodes_counts_with_its_larger_depth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A queue whose leader moved between two nodes' listings may appear in both: the drain
    probe keeps the larger count, so it never calls a queue empty too early."""
    rows: list[dict[str, Any]] = [
        {"name": "chaos.people.to-app", "messages": 0},
        {"name": "chaos.items.to-app", "messages": 2},
        {"name": "chaos.people.to-app", "messages": 5},
    ]
    cluster = ChaosRabbitCluster(tmp_path, partitionable=False)
    monkeypatch.setattr(cluster, "list_queues", lambda *columns: rows)
    assert cluster.queue_depths() == {"chaos.people.to-app": 5, "chaos.items.to-app": 2}
