"""An in-process receiver over a fake publisher and a SQLite store (no services)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import falcon.testing
import pytest

from connec_sync.settings import Settings
from connec_sync.store import Store
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from tests.unit.receiver.support import FakePublisher, settings


@dataclass
class Receiver:
    client: falcon.testing.TestClient
    publisher: FakePublisher
    store: Store
    settings: Settings
    metrics: ReceiverMetrics


@pytest.fixture
def receiver(sqlite_store_url: str) -> Iterator[Receiver]:
    config = settings()
    store = Store.open(sqlite_store_url)
    store.link_configured(config.organizations)
    publisher, metrics = FakePublisher(), ReceiverMetrics()
    app = create_app(config, store, publisher, metrics)
    yield Receiver(falcon.testing.TestClient(app), publisher, store, config, metrics)
    store.close()
