"""The broker contract suite runs every test on both brokers: the in-memory one (no service
needed) and RabbitMQ (a namespace of the test's own, from tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from connec_sync.broker import Broker, Consumer, open_broker
from connec_sync.naming import Names, Route
from connec_sync.settings import BrokerSettings
from tests.services import TEST_ENTITIES


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.integration)])
def settings(request: pytest.FixtureRequest) -> Iterator[BrokerSettings]:
    """Retry tiers of 1 and 2 s, delivery limit 5, a namespace of the test's own."""
    if request.param == "rabbitmq":
        yield request.getfixturevalue("broker_settings")
        return
    memory = BrokerSettings(
        url="memory://", namespace=f"m-{uuid.uuid4().hex[:10]}", retry_delays_s=(1, 2)
    )
    yield memory
    with open_broker(memory, TEST_ENTITIES) as broker:
        broker.delete_topology()


@pytest.fixture
def broker(settings: BrokerSettings) -> Iterator[Broker]:
    """The broker, its topology declared."""
    with open_broker(settings, TEST_ENTITIES) as opened:
        opened.declare()
        yield opened


@pytest.fixture
def route(settings: BrokerSettings) -> Route:
    return Names(settings.namespace).route("people", "to-app")


@pytest.fixture
def consumers(broker: Broker, route: Route) -> Iterator[list[Consumer]]:
    """Consumers the test opens with `open_consumer`; each is closed afterwards."""
    opened: list[Consumer] = []
    yield opened
    for consumer in opened:
        consumer.close()
