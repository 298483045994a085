"""The receiver's WSGI app: the two webhook routes, /healthz and /readyz, JSON error bodies,
request metrics. Nothing else answers here: the webhook port faces the internet, so metrics, the
OpenAPI description and the operator pages are served on the operator port (commands.receiver)."""

from __future__ import annotations

import json
from typing import Any

import falcon

from connec_sync import logs
from connec_sync.broker import Publisher
from connec_sync.naming import Names
from connec_sync.settings import Settings
from producers.receiver.connec import NotificationsResource
from producers.receiver.forwarding import Forwarder
from producers.receiver.metrics import ReceiverMetrics
from producers.receiver.organizations import OrganizationCache
from producers.receiver.partner import EventsResource
from producers.receiver.service import HealthResource, ReadyResource
from producers.signatures import SignatureVerifier
from providers.registry import configured_names

NOTIFICATIONS_PATH = "/maestrano/connec/notifications/{tenant}"
EVENTS_PATH = "/app/events"

log = logs.get_logger(__name__)


def create_app(
    settings: Settings, store: Any, publisher: Publisher, metrics: ReceiverMetrics
) -> falcon.App:
    """The receiver; `store` gives organizations and deliveries, `publisher` the broker link."""
    app = falcon.App(middleware=[RequestMetrics(metrics)])
    app.set_error_serializer(_json_error)
    app.add_error_handler(Exception, _unexpected_error)
    organizations = OrganizationCache(store.organizations)
    forwarder = Forwarder(publisher, Names(settings.broker.namespace), metrics)
    limit = settings.receiver.max_body_bytes
    notifications = NotificationsResource(
        settings.connec.tenants, organizations, forwarder, metrics, limit
    )
    verifier = SignatureVerifier(settings.partner.webhook_secrets)
    entities = configured_names(settings)
    events = EventsResource(
        verifier, store.deliveries, organizations, forwarder, metrics, limit, entities
    )
    app.add_route(NOTIFICATIONS_PATH, notifications)
    app.add_route(EVENTS_PATH, events)
    app.add_route("/healthz", HealthResource())
    app.add_route("/readyz", ReadyResource(publisher))
    return app


def _json_error(_req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
    """Every error body is `{"error": "<what is wrong>"}`."""
    resp.content_type = falcon.MEDIA_JSON
    resp.data = json.dumps({"error": error.description or error.title}).encode()


def _unexpected_error(
    req: falcon.Request, _resp: falcon.Response, error: Exception, _params: Any
) -> None:
    log.exception("request_failed", path=req.path, error=repr(error))
    raise falcon.HTTPInternalServerError(
        description="internal error; the records were not accepted"
    )


class RequestMetrics:
    """Counts every answer by route template (not raw path: labels stay few) and status."""

    def __init__(self, metrics: ReceiverMetrics) -> None:
        self._metrics = metrics

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, _resource: Any, _succeeded: bool
    ) -> None:
        self._metrics.count_request(req.uri_template or "unmatched", str(resp.status_code))
