"""The in-memory broker's state, one per process and URL: direct exchanges and their bindings,
queues, and the consumers subscribed to them; guarded by one lock.

What it does as RabbitMQ does with this system's topology: a mandatory publish no queue is bound
to fails (`unroutable`); a message goes to the subscribed consumers round robin within their
prefetch windows; a message given back goes to the head of its queue, counted, and past the
queue's delivery limit it is dead-lettered (`delivery_limit`); a queue's TTL expires messages
from its head and dead-letters them (`expired`) to the queue's dead-letter exchange, which is
how a retry tier hands a message back to the live lane. Time is checked on every call, and a
waiting consumer wakes when the next message is due to expire.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from connec_sync.broker.errors import PublishFailed
from connec_sync.broker.headers import DELIVERY_LIMIT
from connec_sync.broker.memory.queues import Entry, Queue, Subscription
from connec_sync.broker.messages import Message, QueueCount, TakenMessage
from connec_sync.broker.topology import QueueSpec


class Node:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        #: exchange name -> routing key -> names of the queues bound with it
        self.exchanges: dict[str, dict[str, list[str]]] = {}
        self.queues: dict[str, Queue] = {}
        #: queues with a TTL that hold messages (those `tick` looks at)
        self._timed: set[str] = set()

    # -- topology -------------------------------------------------------------------------

    def declare(self, exchanges: Iterable[str], specs: Iterable[QueueSpec]) -> int:
        count = 0
        with self.lock:
            for name in exchanges:
                self.exchanges.setdefault(name, {})
            for spec in specs:
                self.queues.setdefault(spec.name, Queue(spec.name, dict(spec.arguments)))
                for exchange, key in spec.bindings:
                    bound = self.exchanges.setdefault(exchange, {}).setdefault(key, [])
                    if spec.name not in bound:
                        bound.append(spec.name)
                count += 1
        return count

    def delete_queue(self, name: str) -> None:
        with self.lock:
            queue = self.queues.pop(name, None)
            if queue is None:
                return
            self._timed.discard(name)
            for bindings in self.exchanges.values():
                for bound in bindings.values():
                    if name in bound:
                        bound.remove(name)
            for subscription in queue.subscriptions:
                subscription.consumer.queue_deleted(subscription)
            queue.subscriptions.clear()

    def delete_exchange(self, name: str) -> None:
        with self.lock:
            self.exchanges.pop(name, None)

    # -- messages -------------------------------------------------------------------------

    def publish(self, message: Message) -> None:
        """Store the message in every queue bound to its routing key; PublishFailed
        `unroutable` when there is none (nothing is stored then)."""
        with self.lock:
            self.tick()
            names = self.exchanges.get(message.exchange, {}).get(message.routing_key)
            if message.exchange == "" and message.routing_key in self.queues:
                names = [message.routing_key]  # the default exchange: a queue by its name
            if not names:
                where = f"{message.exchange}/{message.routing_key}"
                raise PublishFailed("unroutable", f"no queue is bound to {where}")
            for name in names:
                entry = Entry(
                    message.body,
                    dict(message.headers),
                    message.message_id,
                    message.exchange,
                    message.routing_key,
                )
                self._enqueue(self.queues[name], entry)

    def tick(self) -> None:
        """Dead-letter the messages whose queue's TTL has passed."""
        if not self._timed:
            return
        now = self.clock()
        expired = []
        for name in list(self._timed):
            queue = self.queues[name]
            expired += [(entry, queue) for entry in queue.expired(now)]
            if not queue.ready:
                self._timed.discard(name)
        expired.sort(key=lambda pair: pair[0].expires_at or now)  # in the order they expired
        for entry, queue in expired:
            self._dead_letter(queue, entry, "expired")

    def seconds_until_expiry(self) -> float | None:
        """Until the next message is due to expire, if any waits in a queue with a TTL."""
        due = [self.queues[name].ready[0].expires_at for name in self._timed]
        soonest = min((at for at in due if at is not None), default=None)
        return None if soonest is None else max(0.0, soonest - self.clock())

    def _enqueue(self, queue: Queue, entry: Entry) -> None:
        ttl = queue.ttl_s
        if ttl is not None:
            entry.expires_at = self.clock() + ttl
            self._timed.add(queue.name)
        queue.ready.append(entry)
        self.dispatch(queue)

    def dispatch(self, queue: Queue) -> None:
        """Hand ready messages to subscribed consumers with room."""
        while queue.ready:
            subscription = queue.next_subscription()
            if subscription is None:
                return
            entry = queue.ready.popleft()
            subscription.unacked += 1
            queue.unacked += 1
            subscription.consumer.deliver(subscription, entry)

    def give_back(self, subscription: Subscription, entry: Entry) -> None:
        """A delivery returned unacked (requeued, or its consumer closed): counted, then at the
        head of its queue, or dead-lettered past the queue's delivery limit."""
        queue = subscription.queue
        subscription.unacked -= 1
        queue.unacked -= 1
        if self.queues.get(queue.name) is not queue:
            return  # the queue was deleted meanwhile: the message goes with it
        entry.returns += 1
        limit = queue.delivery_limit
        if limit is not None and entry.returns > limit:
            self._dead_letter(queue, entry, DELIVERY_LIMIT)
        else:
            queue.ready.appendleft(entry)
            if queue.ttl_s is not None:
                self._timed.add(queue.name)

    def acked(self, subscription: Subscription) -> None:
        subscription.unacked -= 1
        subscription.queue.unacked -= 1
        self.dispatch(subscription.queue)

    def _dead_letter(self, queue: Queue, entry: Entry, reason: str) -> None:
        """To the queue's dead-letter exchange; dropped if it has none or nothing is bound."""
        if queue.dead_letter_exchange is None:
            return
        dead = queue.dead_lettered(entry, reason)
        for name in self.exchanges.get(dead.exchange, {}).get(dead.routing_key, []):
            copy = Entry(
                dead.body, dict(dead.headers), dead.message_id, dead.exchange, dead.routing_key
            )
            self._enqueue(self.queues[name], copy)

    # -- subscriptions and operators ------------------------------------------------------

    def subscribe(self, subscription: Subscription) -> None:
        with self.lock:
            subscription.queue.subscriptions.append(subscription)
            self.dispatch(subscription.queue)

    def unsubscribe(self, subscription: Subscription) -> None:
        with self.lock:
            if subscription in subscription.queue.subscriptions:
                subscription.queue.subscriptions.remove(subscription)

    def count(self, name: str) -> QueueCount:
        with self.lock:
            self.tick()
            queue = self.queues.get(name)
            if queue is None:
                return QueueCount(name, None, None, exists=False)
            return QueueCount(name, len(queue.ready), len(queue.subscriptions))

    def unacked_counts(self) -> dict[str, int]:
        with self.lock:
            return {name: queue.unacked for name, queue in self.queues.items()}

    def take(self, name: str, keep: Callable[[TakenMessage], None], limit: int) -> int:
        kept = 0
        while kept < limit:
            with self.lock:
                self.tick()
                queue = self.queues.get(name)
                if queue is None or not queue.ready:
                    break
                entry = queue.ready.popleft()
                queue.unacked += 1
            taken = TakenMessage(
                entry.body, entry.delivered_headers(queue.quorum), entry.message_id
            )
            try:
                keep(taken)
            except BaseException:
                with self.lock:
                    queue.unacked -= 1
                    entry.returns += 1
                    queue.ready.appendleft(entry)
                raise
            with self.lock:
                queue.unacked -= 1
            kept += 1
        return kept

    def purge(self, names: Iterable[str]) -> int:
        removed = 0
        with self.lock:
            for name in names:
                queue = self.queues.get(name)
                if queue is not None:
                    removed += len(queue.ready)
                    queue.ready.clear()
        return removed
