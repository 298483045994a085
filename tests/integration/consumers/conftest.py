"""Consumers on the real RabbitMQ: the broker_settings fixture gives each test its own namespace
(retry tiers of 1 and 2 s) and deletes its queues afterwards."""

from __future__ import annotations

import pytest

from connec_sync.broker import declare_all
from connec_sync.naming import Names, Route
from connec_sync.settings import BrokerSettings
from tests.services import TEST_ENTITIES


@pytest.fixture
def route(broker_settings: BrokerSettings) -> Route:
    """people to-app, with its topology declared."""
    declare_all(broker_settings, TEST_ENTITIES)
    return Names(broker_settings.namespace).route("people", "to-app")
