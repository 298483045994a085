"""Deliveries from the work lanes: one consuming channel per lane, and an inbox that hands out
live deliveries before backfill ones.

Works with any connection from `connec_sync.broker.amqp.connect` (RabbitMQ or `memory://`): it
consumes at the channel level, so no message body is ever decoded (and acked) by kombu itself,
unlike `ConsumerMixin.on_decode_error`, which acks what it cannot decode.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from connec_sync.naming import BACKFILL, LANES, LIVE, Route


@dataclass
class Delivery:
    """One unacked message, with the route and lane it came from."""

    route: Route
    lane: str
    message: Any
    received: float = field(default_factory=time.monotonic)

    @property
    def body(self) -> bytes:
        body = self.message.body
        return body.encode() if isinstance(body, str) else bytes(body)

    @property
    def headers(self) -> dict[str, Any]:
        return dict(self.message.headers or {})

    @property
    def message_id(self) -> str | None:
        return (self.message.properties or {}).get("message_id")

    @property
    def redelivered(self) -> bool:
        return bool((self.message.delivery_info or {}).get("redelivered"))

    def ack(self) -> None:
        self.message.ack()

    def requeue(self) -> None:
        """Give the message back to its queue (counts towards the quorum delivery limit)."""
        self.message.reject(requeue=True)


class Inbox:
    """Deliveries received but not started; `take` serves the live lane first."""

    def __init__(self) -> None:
        self._lanes: dict[str, deque[Delivery]] = {lane: deque() for lane in LANES}

    def put(self, delivery: Delivery) -> None:
        self._lanes[delivery.lane].append(delivery)

    def take(self) -> Delivery | None:
        for lane in (LIVE, BACKFILL):
            if self._lanes[lane]:
                return self._lanes[lane].popleft()
        return None

    def clear(self) -> int:
        """Forget every delivery (their channel is gone; the broker redelivers them)."""
        dropped = len(self)
        for queue in self._lanes.values():
            queue.clear()
        return dropped

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._lanes.values())


class Subscription:
    """Consumers on both lanes of each route, one channel per lane, `prefetch` per consumer."""

    def __init__(self, connection: Any, routes: list[Route], prefetch: int, inbox: Inbox) -> None:
        self.connection = connection
        self.routes = routes
        self.prefetch = prefetch
        self.inbox = inbox
        self._consumers: list[tuple[Any, str]] = []

    def start(self) -> None:
        for lane in LANES:
            channel = self.connection.channel()
            channel.basic_qos(0, self.prefetch, False)
            for route in self.routes:
                queue = route.work_queue(lane)
                tag = f"{queue}#{uuid.uuid4().hex[:12]}"
                callback = partial(self._on_message, channel, route, lane)
                channel.basic_consume(
                    queue=queue, no_ack=False, callback=callback, consumer_tag=tag
                )
                self._consumers.append((channel, tag))

    def cancel(self) -> None:
        """Stop taking messages; deliveries already received stay ours to settle."""
        for channel, tag in self._consumers:
            channel.basic_cancel(tag)
        self._consumers.clear()

    def _on_message(self, channel: Any, route: Route, lane: str, raw: Any) -> None:
        # only buffer: this may run inside another blocking call (e.g. waiting for a confirm)
        self.inbox.put(Delivery(route, lane, channel.message_to_python(raw)))
