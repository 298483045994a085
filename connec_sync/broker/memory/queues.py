"""The in-memory broker's queues: messages in order, the queue arguments it honours as RabbitMQ's
quorum queues do (`x-message-ttl`, `x-dead-letter-exchange`, `x-dead-letter-routing-key`,
`x-delivery-limit`), and the `x-death` headers of a message the queue dead-letters."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connec_sync.broker.headers import DEATHS, DELIVERY_COUNT


@dataclass(eq=False)
class Entry:
    """A message in a queue, and how many times a consumer gave it back."""

    body: bytes
    headers: dict[str, Any]
    message_id: str | None
    exchange: str
    routing_key: str
    returns: int = 0
    #: monotonic time its queue's TTL expires it, if the queue has one
    expires_at: float | None = None

    def delivered_headers(self, quorum: bool) -> dict[str, Any]:
        """The headers as a consumer sees them: a quorum queue adds the delivery count."""
        return {**self.headers, DELIVERY_COUNT: self.returns} if quorum else dict(self.headers)


@dataclass(eq=False)
class Subscription:
    """One consumer on one queue, with its prefetch window (0: unlimited)."""

    consumer: Any
    queue: Queue
    route: Any
    lane: str
    prefetch: int
    unacked: int = 0

    @property
    def has_room(self) -> bool:
        return self.prefetch <= 0 or self.unacked < self.prefetch


@dataclass(eq=False)
class Queue:
    name: str
    arguments: dict[str, Any]
    ready: deque[Entry] = field(default_factory=deque)
    unacked: int = 0
    subscriptions: list[Subscription] = field(default_factory=list)
    #: where round-robin dispatch looks first
    turn: int = 0

    @property
    def ttl_s(self) -> float | None:
        ttl = self.arguments.get("x-message-ttl")
        return None if ttl is None else ttl / 1000

    @property
    def delivery_limit(self) -> int | None:
        return self.arguments.get("x-delivery-limit")

    @property
    def quorum(self) -> bool:
        return self.arguments.get("x-queue-type") == "quorum"

    @property
    def dead_letter_exchange(self) -> str | None:
        return self.arguments.get("x-dead-letter-exchange")

    def dead_letter_key(self, entry: Entry) -> str:
        return str(self.arguments.get("x-dead-letter-routing-key") or entry.routing_key)

    def next_subscription(self) -> Subscription | None:
        """The next subscription with room, round robin."""
        count = len(self.subscriptions)
        for step in range(count):
            subscription = self.subscriptions[(self.turn + step) % count]
            if subscription.has_room:
                self.turn = (self.turn + step + 1) % count
                return subscription
        return None

    def expired(self, now: float) -> list[Entry]:
        """Take the messages at the head whose TTL has passed (all share the queue's TTL)."""
        gone = []
        while self.ready and (self.ready[0].expires_at or now + 1) <= now:
            gone.append(self.ready.popleft())
        return gone

    def dead_lettered(self, entry: Entry, reason: str) -> Entry:
        """`entry` as this queue dead-letters it: an `x-death` entry for (queue, reason) first,
        counted, as RabbitMQ writes it; `x-first-death-*` kept from the first death."""
        headers = dict(entry.headers)
        deaths = [dict(death) for death in headers.get(DEATHS) or []]
        mine = [d for d in deaths if (d.get("queue"), d.get("reason")) == (self.name, reason)]
        count = int(mine[0].get("count") or 0) + 1 if mine else 1
        if mine:
            deaths.remove(mine[0])
        death = {"count": count, "reason": reason, "queue": self.name, "time": _now()}
        death |= {"exchange": entry.exchange, "routing-keys": [entry.routing_key]}
        headers[DEATHS] = [death, *deaths]
        headers.setdefault("x-first-death-exchange", entry.exchange)
        headers.setdefault("x-first-death-queue", self.name)
        headers.setdefault("x-first-death-reason", reason)
        exchange = self.dead_letter_exchange or ""
        return Entry(entry.body, headers, entry.message_id, exchange, self.dead_letter_key(entry))


def _now() -> datetime:
    """An AMQP timestamp: whole seconds, UTC, naive (as py-amqp decodes RabbitMQ's)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
