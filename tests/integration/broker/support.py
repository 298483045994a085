"""Helpers of the broker contract suite."""

from __future__ import annotations

import dataclasses
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

from chaos.proxy import FaultProxy
from connec_sync.broker import Broker, Consumer, Delivery, Message, TakenMessage
from connec_sync.naming import LIVE, Route
from connec_sync.settings import BrokerSettings


def open_consumer(
    broker: Broker, routes: list[Route], opened: list[Consumer], prefetch: int = 10
) -> Consumer:
    consumer = broker.consume(routes, prefetch)
    opened.append(consumer)
    return consumer


def message(route: Route, body: bytes = b"{}", lane: str = LIVE, **headers: object) -> Message:
    exchange = f"{route.namespace}.work"
    return Message(exchange, route.routing_key(lane), body, uuid.uuid4().hex, dict(headers))


def receive(consumer: Consumer, count: int = 1, timeout_s: float = 10.0) -> None:
    """Receive until `count` deliveries wait in the consumer (fails after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while len(consumer) < count:
        assert time.monotonic() < deadline, f"{len(consumer)} of {count} deliveries received"
        consumer.receive(0.1)


def next_delivery(consumer: Consumer, timeout_s: float = 10.0) -> Delivery:
    receive(consumer, 1, timeout_s)
    delivery = consumer.take()
    assert delivery is not None
    return delivery


def take_all(broker: Broker, queue: str) -> list[TakenMessage]:
    taken: list[TakenMessage] = []
    broker.take(queue, taken.append, 1000)
    return taken


def nothing_arrives(consumer: Consumer, wait_s: float = 0.5) -> bool:
    consumer.receive(wait_s)
    return len(consumer) == 0


def through(settings: BrokerSettings, proxy: FaultProxy) -> BrokerSettings:
    """The same broker settings, connecting through `proxy`."""
    parts = urlsplit(settings.url)
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
    return dataclasses.replace(settings, url=urlunsplit(parts._replace(netloc=netloc)))
