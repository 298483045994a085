"""Driving a consumer Worker in tests (memory:// here, RabbitMQ in tests/integration/consumers):
a scripted fake pipeline, a worker running in a thread, publishing envelopes, reading queues,
all through the broker interface."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from connec_sync.broker import Message, TakenMessage, open_broker
from connec_sync.naming import LIVE, Route
from connec_sync.settings import BrokerSettings
from consumers.outcomes import Applied, Outcome
from consumers.runtime import Worker
from schemas.envelope import Envelope
from tests.services import TEST_ENTITIES


class FakePipeline:
    """A handler that records each envelope it is given and answers with `behaviour`."""

    def __init__(self, behaviour: Callable[[Envelope], Outcome] | None = None) -> None:
        self.behaviour = behaviour or (
            lambda envelope: Applied({"app_id": "a-" + envelope.record["id"]})
        )
        self.calls: list[Envelope] = []
        #: monotonic time of each call
        self.times: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, envelope: Envelope) -> Outcome:
        with self.lock:
            self.calls.append(envelope)
            self.times.append(time.monotonic())
        return self.behaviour(envelope)

    def record_ids(self) -> list[str]:
        with self.lock:
            return [call.record["id"] for call in self.calls]


def envelope_for(route: Route, record_id: str, **record: Any) -> Envelope:
    payload = {"id": record_id, "updated_at": "2026-11-27T10:11:12Z", **record}
    return Envelope.new(
        direction=route.direction, entity=route.entity, record=payload, group_id="cld-1"
    )


def publish(
    settings: BrokerSettings, route: Route, body: Envelope | bytes, lane: str = LIVE
) -> None:
    """Publish an envelope (or raw bytes) to the work exchange, as a producer would."""
    raw = body if isinstance(body, bytes) else body.encode()
    message_id = None if isinstance(body, bytes) else body.message_id
    exchange = f"{settings.namespace}.work"
    with open_broker(settings, TEST_ENTITIES) as broker:
        broker.publish([Message(exchange, route.routing_key(lane), raw, message_id)])


def take_all(settings: BrokerSettings, queue: str) -> list[TakenMessage]:
    """Remove and return every ready message of a queue (body, headers, message id)."""
    taken: list[TakenMessage] = []
    with open_broker(settings, TEST_ENTITIES) as broker:
        broker.take(queue, taken.append, 10_000)
    return taken


def ready_count(settings: BrokerSettings, queue: str) -> int | None:
    with open_broker(settings, TEST_ENTITIES) as broker:
        return broker.count(queue).ready


def wait_for(condition: Callable[[], Any], timeout_s: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    raise AssertionError(f"{what} not met within {timeout_s} s")


@contextmanager
def running(settings: BrokerSettings, handlers: dict[Route, Any]) -> Iterator[Worker]:
    """A worker consuming in a thread; stopped (and checked to have stopped) afterwards."""
    worker = Worker(settings, handlers)
    thread = threading.Thread(target=worker.run, name="worker", daemon=True)
    thread.start()
    assert worker.ready.wait(10), "the worker did not subscribe"
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(15)
        assert not thread.is_alive(), "the worker did not stop"


def delete_topology(settings: BrokerSettings) -> None:
    with open_broker(settings, TEST_ENTITIES) as broker:
        broker.delete_topology()
