"""What a consumer sees of the broker: deliveries from the live and backfill lanes of its routes,
live ones handed out first, and the four ways to settle one.

Each outcome is made durable before the delivery is acked: `retry_later` and `dead_letter` first
publish (with the broker's confirm) to the route's retry tier or to the dead-letter exchange,
and ack only once that publish is confirmed. A failed publish raises and leaves the delivery
unacked; a lost connection raises ConnectionLost and the broker redelivers it.

Like kombu's objects, a consumer and its deliveries belong to the thread that opened the
consumer: receive, take, and every settling call happen on it; only `wake` may come from any
thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from typing import Any

from connec_sync.broker.headers import (
    FIRST_FAILURE,
    dead_letter_headers,
    now_iso,
    retry_headers,
)
from connec_sync.broker.messages import Message
from connec_sync.naming import BACKFILL, LANES, LIVE, Names, Route


class Delivery(ABC):
    """One unacked message, with the route and lane it came from (cf. dramatiq's MessageProxy).
    Settle it once: ack, requeue, retry_later or dead_letter."""

    __slots__ = ("lane", "route")

    def __init__(self, route: Route, lane: str) -> None:
        self.route = route
        self.lane = lane

    @property
    @abstractmethod
    def body(self) -> bytes: ...

    @property
    @abstractmethod
    def headers(self) -> dict[str, Any]: ...

    @property
    @abstractmethod
    def message_id(self) -> str | None: ...

    @property
    @abstractmethod
    def redelivered(self) -> bool:
        """Whether the broker delivered this message before (a requeue or a lost consumer)."""

    @abstractmethod
    def ack(self) -> None:
        """Done with: the broker forgets the message."""

    @abstractmethod
    def requeue(self) -> None:
        """Give the message back to its queue. Each requeue counts towards the queue's delivery
        limit; past it, the broker dead-letters the message (x-death reason delivery_limit)."""

    @abstractmethod
    def _publish(self, message: Message) -> None:
        """Publish on the consumer's connection and wait for the broker's confirm; raises
        PublishFailed (refused, unroutable) or ConnectionLost."""

    def retry_later(self, delay_s: int, reason: str, error: str, body: bytes) -> None:
        """Send `body` to the route's retry tier of `delay_s` (one of `broker.retry_delays_s`),
        whence it returns to the live lane after the delay; then ack. It carries the first
        failure's time and this retry's reason and error (connec_sync.broker.headers)."""
        headers = retry_headers(self.headers, reason, error, now_iso())
        exchange = Names(self.route.namespace).retry_exchange
        key = self.route.retry_key(delay_s)
        self._publish(Message(exchange, key, body, self.message_id, headers))
        self.ack()

    def dead_letter(self, reason: str, error: str, attempts: int) -> None:
        """Send the message as it came to the route's dead-letter queue with why (`reason`,
        `error`), the tries made (`attempts`), the first and last failure times and the lane;
        then ack."""
        now = now_iso()
        headers = dead_letter_headers(
            reason=reason,
            error=error,
            attempts=attempts,
            first_failure=self.headers.get(FIRST_FAILURE) or now,
            last_failure=now,
            lane=self.lane,
        )
        exchange = Names(self.route.namespace).dead_letter_exchange
        key = self.route.routing_key()
        self._publish(Message(exchange, key, self.body, self.message_id, headers))
        self.ack()


class Consumer(ABC):
    """Subscribed to both lanes of some routes, up to `prefetch` unacked deliveries per queue.

    `receive` reads what the broker sent; `take` hands out what was received, the live lane's
    deliveries before the backfill lane's, so live traffic overtakes a backfill already
    received. Deliveries received and not yet taken count in `len()`."""

    #: whether what the broker holds survives a restart of the broker (not of this process)
    durable = True

    def __init__(self) -> None:
        self._lanes: dict[str, deque[Delivery]] = {lane: deque() for lane in LANES}
        self._live, self._backfill = self._lanes[LIVE], self._lanes[BACKFILL]

    @abstractmethod
    def receive(self, wait_s: float) -> None:
        """Read the deliveries the broker sent, waiting up to `wait_s` for the first one; raises
        ConnectionLost (the consumer is then void: close it and open another)."""

    @abstractmethod
    def wake(self) -> None:
        """Make the `receive` waiting now, or else the next one, return at once (e.g. when a
        record being applied on another thread is done). The one call any thread may make,
        also on a closed consumer (it does nothing then)."""

    @abstractmethod
    def cancel(self) -> None:
        """Stop taking messages; deliveries already received stay ours to settle."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the connection; unacked deliveries go back to their queues (redelivered).
        Idempotent."""

    def take(self) -> Delivery | None:
        """The next delivery received, live lane first; None when none is waiting."""
        if self._live:
            return self._live.popleft()
        if self._backfill:
            return self._backfill.popleft()
        return None

    def forget(self) -> int:
        """Drop the deliveries received and not taken (their connection is gone: the broker
        redelivers them); returns how many."""
        dropped = len(self)
        for lane in self._lanes.values():
            lane.clear()
        return dropped

    def _received(self, delivery: Delivery) -> None:
        self._lanes[delivery.lane].append(delivery)

    def __len__(self) -> int:
        return len(self._live) + len(self._backfill)

    def __enter__(self) -> Consumer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
