"""Consumers on the in-memory broker (memory://), each test in its own namespace."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from connec_sync.naming import Names, Route
from connec_sync.settings import BrokerSettings
from tests.unit.consumers.support import delete_topology


@pytest.fixture
def memory_settings() -> Iterator[BrokerSettings]:
    settings = BrokerSettings(
        url="memory://",
        namespace=f"m-{uuid.uuid4().hex[:10]}",
        retry_delays_s=(1, 2),
        max_attempts=3,
        delivery_limit=2,
        prefetch=10,
    )
    yield settings
    delete_topology(settings)


@pytest.fixture
def route(memory_settings: BrokerSettings) -> Route:
    return Names(memory_settings.namespace).route("people", "to-app")
