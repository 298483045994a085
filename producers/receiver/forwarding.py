"""Envelopes to the broker: one batch per request, every record confirmed, or 503."""

from __future__ import annotations

import json
import time
from typing import Any

import falcon

from connec_sync import logs
from connec_sync.broker import Message, Publisher, PublishFailed
from connec_sync.naming import Names
from producers.receiver.metrics import ReceiverMetrics
from schemas.envelope import encode

#: seconds a sender is asked to wait before retrying after a 503
RETRY_AFTER_S = 5

log = logs.get_logger(__name__)


#: envelope shapes (source, entity, action) this process has already checked with the schema
_checked_shapes: set[tuple[str, str, str]] = set()
#: serialises as `encode` does (json.dumps with these separators builds one per call)
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def bodies(envelopes: list[dict[str, Any]]) -> list[bytes]:
    """Message bodies. The first envelope of each shape (source, entity, action) a process
    builds goes through the schema (`encode`): a tripwire for a programming error in the code
    that builds them. The rest are built by the same code with the same field types, so they are
    serialised as `encode` does without the schema's ~200 us per envelope, which would otherwise
    dominate a request. Consumers validate every envelope when they decode it."""
    return [_body(envelope) for envelope in envelopes]


def _body(envelope: dict[str, Any]) -> bytes:
    shape = (envelope["source"], envelope["entity"], envelope["action"])
    if shape in _checked_shapes:
        return _ENCODER.encode(envelope).encode()
    body = encode(envelope)
    _checked_shapes.add(shape)
    return body


class Forwarder:
    def __init__(self, publisher: Publisher, names: Names, metrics: ReceiverMetrics) -> None:
        self._publisher = publisher
        self._names = names
        self._metrics = metrics
        self._routing_keys: dict[tuple[str, str], str] = {}

    def forward(self, envelopes: list[dict[str, Any]]) -> None:
        """Return once the broker confirmed every envelope; else 503 with Retry-After."""
        if not envelopes:
            return
        messages = self._messages(envelopes)
        started = time.perf_counter()
        try:
            self._publisher.publish_batch(messages)
        except PublishFailed as failure:
            log.warning(
                "records_not_confirmed",
                reason=failure.reason,
                records=len(messages),
                detail=str(failure),
            )
            raise falcon.HTTPServiceUnavailable(
                description=f"the broker did not confirm the records ({failure.reason}); retry",
                retry_after=RETRY_AFTER_S,
            ) from None
        self._metrics.publish_seconds.observe(time.perf_counter() - started)
        routes: dict[tuple[str, str], int] = {}
        for envelope in envelopes:
            route = (envelope["entity"], envelope["direction"])
            routes[route] = routes.get(route, 0) + 1
        for (entity, direction), count in routes.items():
            self._metrics.count_published(entity, direction, count)

    def _messages(self, envelopes: list[dict[str, Any]]) -> list[Message]:
        """One message per envelope, on its (entity, direction) route's live lane."""
        exchange = self._names.work_exchange
        return [
            Message(exchange, self._routing_key(e), body, e["message_id"])
            for e, body in zip(envelopes, bodies(envelopes), strict=True)
        ]

    def _routing_key(self, envelope: dict[str, Any]) -> str:
        route = (envelope["entity"], envelope["direction"])
        key = self._routing_keys.get(route)
        if key is None:
            key = self._routing_keys[route] = self._names.route(*route).routing_key()
        return key
