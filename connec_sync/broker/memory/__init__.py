"""The in-memory broker (`broker.url = "memory://"`): a pure-Python broker in this process, for
the demo and the unit tests. Every `memory://` broker object of a process shares one node
(node.py), as every connection to one RabbitMQ does; a namespace keeps tests apart. Nothing is
durable: what it holds ends with the process."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from connec_sync.broker.errors import PublishFailed
from connec_sync.broker.interface import Broker
from connec_sync.broker.memory.consumer import MemoryConsumer
from connec_sync.broker.memory.node import Node
from connec_sync.broker.messages import Message, Publisher, QueueCount, TakenMessage
from connec_sync.broker.topology import exchanges
from connec_sync.naming import Route
from connec_sync.settings import BrokerSettings

__all__ = ["MemoryBroker"]

_nodes: dict[str, Node] = {}
_nodes_lock = threading.Lock()


def node_for(url: str) -> Node:
    """The process's node for a `memory://` URL (`memory://` and `memory://a` are two)."""
    with _nodes_lock:
        return _nodes.setdefault(url.removeprefix("memory://").strip("/"), Node())


class MemoryBroker(Broker):
    durable = False

    def __init__(self, settings: BrokerSettings, entities: Sequence[str] = ()) -> None:
        super().__init__(settings, entities)
        self.node = node_for(settings.url)

    def declare(self) -> int:
        return self.node.declare(exchanges(self.names), self.queue_specs())

    def consume(self, routes: Sequence[Route], prefetch: int) -> MemoryConsumer:
        self.declare()
        return MemoryConsumer(self.node, routes, prefetch)

    def publisher(self) -> Publisher:
        return MemoryPublisher(self.node)

    def publish(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.node.publish(message)

    def count(self, queue: str) -> QueueCount:
        return self.node.count(queue)

    def unacked_counts(self) -> dict[str, int] | None:
        return self.node.unacked_counts()

    def take(self, queue: str, keep: Callable[[TakenMessage], None], limit: int) -> int:
        return self.node.take(queue, keep, limit)

    def purge(self, queues: Iterable[str]) -> int:
        return self.node.purge(queues)

    def delete_queues(self, queues: Iterable[str]) -> None:
        for name in queues:
            self.node.delete_queue(name)

    def delete_exchanges(self, names: Iterable[str]) -> None:
        for name in names:
            self.node.delete_exchange(name)

    def close(self) -> None:
        pass  # nothing of its own to release: the node lives as long as the process


class MemoryPublisher:
    """Publishes into the node at once; a batch fails at its first unroutable message."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self._closed = False

    def start(self) -> None:
        pass

    def publish_batch(self, messages: list[Message]) -> None:
        if self._closed:
            raise PublishFailed("closed", "the publisher was closed")
        for message in messages:
            self._node.publish(message)

    def is_ready(self) -> bool:
        return not self._closed

    def close(self) -> None:
        self._closed = True
