"""Service endpoints: liveness, readiness (the broker link), metrics, the OpenAPI description."""

from __future__ import annotations

from importlib import resources

import falcon

from connec_sync.broker import Publisher
from producers.receiver.metrics import CONTENT_TYPE, ReceiverMetrics


class HealthResource:
    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "alive"}


class ReadyResource:
    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        if not self._publisher.is_ready():
            raise falcon.HTTPServiceUnavailable(
                description="the broker link is not usable", retry_after=5
            )
        resp.media = {"status": "ready"}


class MetricsResource:
    def __init__(self, metrics: ReceiverMetrics) -> None:
        self._metrics = metrics

    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = CONTENT_TYPE
        resp.data = self._metrics.render()


class OpenApiResource:
    def __init__(self) -> None:
        self._text = resources.files("producers").joinpath("openapi.yaml").read_bytes()

    def on_get(self, _req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "application/yaml"
        resp.data = self._text
