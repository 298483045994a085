"""A receiver served over real HTTP (waitress, in-process) and publishing to a real RabbitMQ."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connec_sync.broker import Publisher, TakenMessage, make_publisher, open_broker
from connec_sync.http_server import RunningServer, serve_in_thread
from connec_sync.settings import BrokerSettings, Settings
from connec_sync.store import Store
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from tests.private_broker import private_broker  # noqa: F401 - the session fixture, used here
from tests.unit.receiver.support import settings as receiver_settings


@dataclass
class LiveReceiver:
    server: RunningServer
    publisher: Publisher
    settings: Settings

    @property
    def url(self) -> str:
        return self.server.url

    def route_queue(self, entity: str, direction: str) -> str:
        return self.settings.broker.namespace + f".{entity}.{direction}"


def take_all(broker: BrokerSettings, queue: str) -> list[dict[str, Any]]:
    """Every message of a queue, removed from it, as decoded envelopes."""
    taken: list[TakenMessage] = []
    with open_broker(broker) as opened:
        opened.take(queue, taken.append, 100_000)
    return [json.loads(message.body) for message in taken]


@pytest.fixture
def start_receiver(sqlite_store_url: str) -> Iterator[Callable[[BrokerSettings], LiveReceiver]]:
    """Factory: a receiver for the given broker settings (its publisher with a 2 s confirm wait)."""
    started: list[tuple[LiveReceiver, Store]] = []

    def start(broker: BrokerSettings) -> LiveReceiver:
        config = dataclasses.replace(
            receiver_settings(), broker=dataclasses.replace(broker, confirm_timeout_s=2.0)
        )
        store = Store.open(sqlite_store_url)
        store.link_configured(config.organizations)
        publisher = make_publisher(config.broker)
        app = create_app(config, store, publisher, ReceiverMetrics())
        live = LiveReceiver(serve_in_thread(app), publisher, config)
        started.append((live, store))
        return live

    yield start
    for live, store in started:
        live.server.stop()
        live.publisher.close()
        store.close()
