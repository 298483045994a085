"""Consuming from the in-memory broker: deliveries are handed to the consumer as they are
published (within its prefetch windows), and `receive` waits for one, waking also when a
message in a retry tier is due to come back."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from connec_sync.broker.deliveries import Consumer, Delivery
from connec_sync.broker.errors import ConnectionLost
from connec_sync.broker.memory.node import Node
from connec_sync.broker.memory.queues import Entry, Subscription
from connec_sync.broker.messages import Message
from connec_sync.naming import LANES, Route

#: shortest wait for a message due to expire (its clock may read a hair early)
_MIN_WAIT_S = 0.001


class MemoryDelivery(Delivery):
    __slots__ = ("_entry", "_headers", "_redelivered", "_settled", "_subscription")

    def __init__(self, subscription: Subscription, entry: Entry) -> None:
        super().__init__(subscription.route, subscription.lane)
        self._subscription = subscription
        self._entry = entry
        self._headers = entry.delivered_headers(subscription.queue.quorum)
        self._redelivered = entry.returns > 0
        self._settled = False

    @property
    def body(self) -> bytes:
        return self._entry.body

    @property
    def headers(self) -> dict[str, Any]:
        return dict(self._headers)

    @property
    def message_id(self) -> str | None:
        return self._entry.message_id

    @property
    def redelivered(self) -> bool:
        return self._redelivered

    def ack(self) -> None:
        self._settle(requeue=False)

    def requeue(self) -> None:
        self._settle(requeue=True)

    def _publish(self, message: Message) -> None:
        consumer = self._subscription.consumer
        consumer.check_open()
        consumer.node.publish(message)

    def _settle(self, requeue: bool) -> None:
        consumer = self._subscription.consumer
        with consumer.node.lock:
            consumer.check_open()
            if self._settled:
                raise RuntimeError(f"delivery {self.message_id} was settled already")
            self._settled = True
            consumer.settled(self, requeue)


class MemoryConsumer(Consumer):
    durable = False

    def __init__(self, node: Node, routes: Sequence[Route], prefetch: int) -> None:
        super().__init__()
        self.node = node
        self._arrived = threading.Condition(node.lock)
        self._closed = False
        self._woken = False
        #: deliveries not settled yet, in the order they were delivered
        self._unsettled: dict[MemoryDelivery, None] = {}
        self._subscriptions = [
            Subscription(self, node.queues[route.work_queue(lane)], route, lane, prefetch)
            for lane in LANES
            for route in routes
        ]
        for subscription in self._subscriptions:
            node.subscribe(subscription)

    def receive(self, wait_s: float) -> None:
        node = self.node
        with node.lock:
            self.check_open()
            node.tick()
            deadline = node.clock() + wait_s
            while not len(self) and not self._woken:
                remaining = deadline - node.clock()
                if remaining <= 0:
                    return
                due = node.seconds_until_expiry()
                self._arrived.wait(
                    remaining if due is None else max(min(remaining, due), _MIN_WAIT_S)
                )
                node.tick()
            self._woken = False

    def wake(self) -> None:
        with self.node.lock:
            self._woken = True
            self._arrived.notify_all()

    def cancel(self) -> None:
        for subscription in self._subscriptions:
            self.node.unsubscribe(subscription)

    def close(self) -> None:
        with self.node.lock:
            if self._closed:
                return
            self.cancel()
            self._closed = True
            self.forget()
            unsettled, self._unsettled = list(self._unsettled), {}
            for delivery in reversed(unsettled):  # each to the head: their order is kept
                self.node.give_back(delivery._subscription, delivery._entry)
            for subscription in self._subscriptions:
                self.node.dispatch(subscription.queue)

    def check_open(self) -> None:
        if self._closed:
            raise ConnectionLost("the consumer was closed")

    # -- called by the node, under its lock -----------------------------------------------

    def deliver(self, subscription: Subscription, entry: Entry) -> None:
        delivery = MemoryDelivery(subscription, entry)
        self._unsettled[delivery] = None
        self._received(delivery)
        self._arrived.notify()

    def settled(self, delivery: MemoryDelivery, requeue: bool) -> None:
        if delivery not in self._unsettled:
            return  # its queue was deleted: the message went with it
        del self._unsettled[delivery]
        subscription = delivery._subscription
        if requeue:
            self.node.give_back(subscription, delivery._entry)
            self.node.dispatch(subscription.queue)
        else:
            self.node.acked(subscription)

    def queue_deleted(self, subscription: Subscription) -> None:
        """Its queue is gone, and what it delivered from the queue with it."""
        for delivery in [d for d in self._unsettled if d._subscription is subscription]:
            del self._unsettled[delivery]
