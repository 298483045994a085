"""One receiver worker's composition, built after gunicorn's fork (commands/receiver_server.py):
the webhook app on the store's driver-only part (connec_sync.store.receiving) and the broker's
publisher; the operator pages, which need the whole store (SQLAlchemy), are built when first
asked for, so that a worker serving webhooks only never loads them."""

from __future__ import annotations

import threading
from typing import Any

from connec_sync.broker import make_publisher
from connec_sync.http_server import PortDispatch
from connec_sync.settings import Settings
from connec_sync.store.receiving import open_receiving
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics


def build_worker_app(settings: Settings) -> tuple[Any, list[Any]]:
    """The WSGI app, told apart by the port the request came in on, and what to close."""
    store = open_receiving(settings.store.url)
    publisher = make_publisher(settings.broker)
    publisher.start()
    metrics = ReceiverMetrics()
    webhooks = create_app(settings, store, publisher, metrics)
    operators = OperatorPages(settings, metrics)
    app = PortDispatch(webhooks, {settings.receiver.operator_bind_port: operators})
    return app, [publisher, store, operators]


class OperatorPages:
    """The operator pages (commands.receiver_pages.operator_app) on a store of their own, made
    on the first request to the operator port."""

    def __init__(self, settings: Settings, metrics: ReceiverMetrics) -> None:
        self._settings = settings
        self._metrics = metrics
        self._lock = threading.Lock()
        self._app: Any = None
        self._store: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._built()(environ, start_response)

    def _built(self) -> Any:
        with self._lock:
            if self._app is None:
                from commands.receiver_pages import operator_app
                from connec_sync.store import Store

                self._store = Store.open(self._settings.store.url)
                self._app = operator_app(self._settings, self._store, self._metrics)
            return self._app

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
