"""The CI-sized "node kill" row of the fault suite (N = 300): the real processes (receiver, two
consumers, both sandboxes) given the three URLs of a private three-node RabbitMQ cluster, the
node leading most queues killed with `kill -9` mid-stream and restarted 20 s later: nothing
lost, duplicated or regressed (the ledger checker), no 5xx but a few seconds of 503, every
process linked again by itself. `make chaos` runs the cluster rows with N = 2,000."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chaos import cluster_scenarios
from chaos.__main__ import line
from chaos.cluster import Cluster
from chaos.context import Context
from tests.e2e.systems import running_system

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]
N = 300


@pytest.fixture(scope="module")
def system() -> Iterator[Cluster]:
    with running_system(seed=17, rabbit_nodes=3) as running:
        yield running


def test_killing_the_node_leading_most_queues_loses_nothing(system: Cluster) -> None:
    result = cluster_scenarios.node_kill(Context(system, N, seed=17))
    print(line(result), result.notes)
    assert result.figures.clean, (result.figures, result.notes)
    assert all(result.checks.values()), (result.checks, result.notes)
