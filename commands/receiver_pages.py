"""What a receiver process serves: the webhook app (producers.receiver) and the operator pages
(status, trace search, entities, metrics, OpenAPI), for `connec-sync receiver`'s workers
(commands/receiver_worker.py builds the operator pages on first use) and the all-in-one demo."""

from __future__ import annotations

from typing import Any

import falcon

from connec_sync.broker import Publisher
from connec_sync.settings import Settings
from operators import entities_page
from operators.pages import create_operator_app
from operators.status_page import live_facts
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from producers.receiver.service import MetricsResource, OpenApiResource
from providers.registry import configured


def receiver_apps(
    settings: Settings, store: Any, publisher: Publisher, metrics: ReceiverMetrics
) -> tuple[falcon.App, falcon.App]:
    """What the receiver process serves: the webhook app (producers.receiver) for the webhook
    port, and the operator pages for the operator port."""
    return create_app(settings, store, publisher, metrics), operator_app(settings, store, metrics)


def operator_app(settings: Settings, store: Any, metrics: ReceiverMetrics) -> falcon.App:
    """The status page, the trace search, the catalogue of shared entities (`/entities`,
    `/entities.json`), metrics and the OpenAPI description, behind the operator password."""
    app = create_operator_app(settings.receiver, live_facts(settings, store), store)
    app.add_route("/metrics", MetricsResource(metrics))
    app.add_route("/openapi.yaml", OpenApiResource())
    entities = entities_page.live_facts(configured(settings), store)
    entities_page.add_entities_routes(app, entities)
    return app
