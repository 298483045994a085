"""Envelopes to the broker: one batch per request, every record confirmed, or 503."""

from __future__ import annotations

import time

import falcon

from connec_sync import logs
from connec_sync.broker import Publisher, PublishFailed
from connec_sync.naming import Names
from producers.receiver.metrics import ReceiverMetrics
from schemas.envelope import Envelope

#: seconds a sender is asked to wait before retrying after a 503
RETRY_AFTER_S = 5

log = logs.get_logger(__name__)


class Forwarder:
    def __init__(self, publisher: Publisher, names: Names, metrics: ReceiverMetrics) -> None:
        self._publisher = publisher
        self._names = names
        self._metrics = metrics

    def forward(self, envelopes: list[Envelope]) -> None:
        """Return once the broker confirmed every envelope; else 503 with Retry-After."""
        if not envelopes:
            return
        messages = [envelope.message(self._names) for envelope in envelopes]
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
            route = (envelope.entity, envelope.direction)
            routes[route] = routes.get(route, 0) + 1
        for (entity, direction), count in routes.items():
            self._metrics.count_published(entity, direction, count)
