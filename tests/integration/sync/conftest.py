"""A sync world publishing to the real RabbitMQ (this test's namespace) with the store on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connec_sync.broker import declare_all, make_publisher
from connec_sync.broker.setup import names_for
from connec_sync.settings import BrokerSettings
from tests.services import TEST_ENTITIES
from tests.unit.sync.support import RecordingPublisher, SyncWorld, start_world


@pytest.fixture
def make_world(
    broker_settings: BrokerSettings, store_url: str
) -> Iterator[Callable[..., SyncWorld]]:
    """Factory: a world whose publisher logs every batch, then publishes it with confirms."""
    declare_all(broker_settings, TEST_ENTITIES)
    worlds: list[SyncWorld] = []

    def make(**options: Any) -> SyncWorld:
        publisher = RecordingPublisher(inner=make_publisher(broker_settings))
        world = start_world(store_url, names_for(broker_settings), publisher=publisher, **options)
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.publisher.close()
        world.stop()
