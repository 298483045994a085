"""The fault suite's cluster (a private RabbitMQ node, the receiver, two consumers, both
sandboxes), started once for the e2e tests that need it (test_faults.py, test_stops.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from chaos.cluster import Cluster


@pytest.fixture(scope="session")
def chaos_cluster() -> Iterator[Cluster]:
    if shutil.which("rabbitmq-server") is None:
        if os.environ.get("CI"):
            pytest.fail("rabbitmq-server is required in CI for the fault suite", pytrace=False)
        pytest.skip("rabbitmq-server is not installed: no private broker node")
    running = Cluster(consumers=2, seed=8)
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()
    running.cleanup()
