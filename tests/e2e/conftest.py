"""The fault suite's cluster (a private RabbitMQ node, the receiver, two consumers, both
sandboxes), started once for the e2e tests that need it (test_faults.py, test_stops.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chaos.cluster import Cluster
from tests.e2e.systems import running_system


@pytest.fixture(scope="session")
def chaos_cluster() -> Iterator[Cluster]:
    with running_system(seed=8) as running:
        yield running
