"""`POST /app/events`: partner change events, signed per Standard Webhooks, published once per
webhook-id."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import falcon

from connec_sync import logs
from producers.events import InvalidEvents, parse_events, split_events
from producers.receiver.bodies import parse_json, read_body, require_json_content
from producers.receiver.forwarding import Forwarder
from producers.receiver.metrics import ReceiverMetrics
from producers.receiver.organizations import OrganizationCache
from producers.signatures import InvalidSignature, SignatureVerifier
from schemas.entity_names import REFERENCE, EntityNames

#: how long a webhook-id is remembered: the partner retries for up to 3 days
DELIVERY_RETENTION = timedelta(days=3, hours=1)
#: seconds between two clean-ups of old webhook-ids (per worker)
PRUNE_EVERY_S = 3600.0
#: longest webhook-id kept (the store's column)
MAX_WEBHOOK_ID = 200

log = logs.get_logger(__name__)


class EventsResource:
    def __init__(
        self,
        verifier: SignatureVerifier,
        deliveries: Any,
        organizations: OrganizationCache,
        forwarder: Forwarder,
        metrics: ReceiverMetrics,
        max_body_bytes: int,
        entities: EntityNames = REFERENCE,
    ) -> None:
        self._verifier = verifier
        self._deliveries = deliveries
        self._organizations = organizations
        self._forwarder = forwarder
        self._metrics = metrics
        self._max_body_bytes = max_body_bytes
        #: the partner app's entities (its provider's): its events name their resources
        self._entities = entities
        self._pruned_at = 0.0

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        raw = read_body(req, self._max_body_bytes)
        webhook_id = self._verified(req, raw)
        if self._deliveries.seen(webhook_id):
            log.info("events_repeated", webhook_id=webhook_id)
            resp.status, resp.media = falcon.HTTP_200, {"duplicate": True, "published": 0}
            return
        require_json_content(req)
        try:
            batch = parse_events(parse_json(raw))
        except InvalidEvents as error:
            raise falcon.HTTPBadRequest(description=str(error)) from None
        organization = self._organizations.by_account(batch.account)
        envelopes, ignored = split_events(batch, organization, self._entities)
        self._forwarder.forward(envelopes)
        self._deliveries.record(webhook_id)  # only now: a 503 above must not swallow the retry
        self._metrics.count_ignored(ignored)
        logs.cached_logger(__name__).info(
            "events_accepted",
            webhook_id=webhook_id,
            account=batch.account,
            published=len(envelopes),
        )
        resp.status = falcon.HTTP_202
        resp.media = {"published": len(envelopes), "ignored": sum(ignored.values())}
        self._prune_now_and_then()

    def _verified(self, req: falcon.Request, raw: bytes) -> str:
        headers = {
            name: req.get_header(name)
            for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        try:
            webhook_id = self._verifier.verify(headers, raw)
        except InvalidSignature as error:
            raise falcon.HTTPUnauthorized(description=f"Invalid signature: {error}") from None
        if len(webhook_id) > MAX_WEBHOOK_ID:
            raise falcon.HTTPBadRequest(
                description=f"webhook-id is longer than {MAX_WEBHOOK_ID} characters"
            )
        return webhook_id

    def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = now
            forgotten = self._deliveries.forget_older_than(DELIVERY_RETENTION)
            log.info("webhook_ids_forgotten", count=forgotten)
