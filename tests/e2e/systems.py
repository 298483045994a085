"""Starting the fault suite's system for an e2e module: skipped locally without rabbitmq-server,
failed in CI (`CI` set); always stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

import pytest

from chaos.cluster import Cluster


@contextlib.contextmanager
def running_system(seed: int, rabbit_nodes: int = 1) -> Iterator[Cluster]:
    """The receiver, two consumers and both sandboxes on a private RabbitMQ node (or a cluster
    of `rabbit_nodes`); its run directory is removed afterwards."""
    if shutil.which("rabbitmq-server") is None:
        if os.environ.get("CI"):
            pytest.fail("rabbitmq-server is required in CI for the fault suite", pytrace=False)
        pytest.skip("rabbitmq-server is not installed: no private broker node")
    running = Cluster(consumers=2, seed=seed, rabbit_nodes=rabbit_nodes)
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()
    running.cleanup()
