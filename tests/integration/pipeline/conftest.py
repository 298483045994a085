"""The real path for pipeline tests: receiver -> RabbitMQ -> consumers -> sandboxes, per test."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from connec_sync.settings import BrokerSettings
from tests.system import System, running_system


@pytest.fixture
def start_system(
    broker_settings: BrokerSettings, sqlite_store_url: str
) -> Iterator[Callable[..., System]]:
    """Factory: `start_system(store_url=..., replicas=1, concurrency=None, **organization)`;
    stopped afterwards."""
    with ExitStack() as stack:

        def start(
            store_url: str | None = None,
            replicas: int = 1,
            concurrency: int | None = None,
            **organization: Any,
        ) -> System:
            url = store_url or sqlite_store_url
            broker = broker_settings
            if concurrency is not None:
                broker = dataclasses.replace(broker, concurrency=concurrency)
            return stack.enter_context(running_system(url, broker, replicas, **organization))

        yield start
