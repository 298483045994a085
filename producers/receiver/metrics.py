"""The receiver's Prometheus metrics; in gunicorn, every worker writes to PROMETHEUS_MULTIPROC_DIR
and `/metrics` sums them (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from connec_sync.metric_children import Children
from producers.receiver.multiprocess import MULTIPROCESS_ENV, enable_multiprocess

__all__ = ["CONTENT_TYPE", "MULTIPROCESS_ENV", "ReceiverMetrics", "enable_multiprocess"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
#: publish latency buckets, in seconds (a confirm usually takes a few milliseconds)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ReceiverMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "receiver_requests",
            "HTTP requests answered",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.published = Counter(
            "receiver_records_published",
            "Records confirmed by the broker",
            ["entity", "direction"],
            registry=self.registry,
        )
        self.ignored = Counter(
            "receiver_records_ignored",
            "Records not published, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.publish_seconds = Histogram(
            "receiver_publish_seconds",
            "Time from publishing a request's records to the broker's last confirm",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        self._child = Children()

    def count_request(self, endpoint: str, status: str) -> None:
        self._child(self.requests, endpoint, status).inc()

    def count_published(self, entity: str, direction: str, count: int) -> None:
        self._child(self.published, entity, direction).inc(count)

    def count_ignored(self, reasons: Mapping[str, int]) -> None:
        for reason, count in reasons.items():
            self._child(self.ignored, reason).inc(count)

    def render(self) -> bytes:
        """The exposition: every worker's figures in multiprocess mode, else this registry's."""
        if os.environ.get(MULTIPROCESS_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
