"""The broker, as everything above `connec_sync.broker` sees it: consumers, publishers, and what
operators need (topology, counts, taking dead letters, purging, deleting).

Two implementations: `rabbitmq` (kombu for consumers and operators, pika's windowed confirms for
the publishers) and `memory` (a pure-Python broker in this process, for the demo and tests).
`connec_sync.broker.open_broker(settings)` picks one from `broker.url`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence

from connec_sync.broker.deliveries import Consumer
from connec_sync.broker.messages import (
    ClusterView,
    Message,
    Publisher,
    QueueCount,
    TakenMessage,
)
from connec_sync.broker.setup import names_for, queue_specs
from connec_sync.broker.topology import QueueSpec, exchanges
from connec_sync.naming import Route
from connec_sync.settings import BrokerSettings


class Broker(ABC):
    """One deployment's broker (`settings`: URL, namespace, retry tiers, delivery limit) and
    the entities whose queues it declares (none: only exchanges; enough to publish and take).

    Operator calls use a connection of the broker object's own, opened on first use; a consumer
    or publisher has its own. Raises BrokerUnavailable when the broker cannot be reached."""

    #: whether what the broker holds survives a restart of the broker (not of this process)
    durable = True

    def __init__(self, settings: BrokerSettings, entities: Sequence[str] = ()) -> None:
        self.settings = settings
        self.entities = tuple(entities)
        self.names = names_for(settings)

    def queue_specs(self) -> list[QueueSpec]:
        """Every queue of the broker's entities."""
        return queue_specs(self.settings, self.entities)

    @abstractmethod
    def declare(self) -> int:
        """Declare every exchange, queue and binding of the deployment; idempotent. Returns the
        number of queues."""

    @abstractmethod
    def consume(self, routes: Sequence[Route], prefetch: int) -> Consumer:
        """A consumer on its own connection, subscribed to the live and backfill lanes of
        `routes`, `prefetch` unacked deliveries per queue at most. Declares the topology first
        (every consuming process does, at start and after each reconnection)."""

    @abstractmethod
    def publisher(self) -> Publisher:
        """A publisher for producers (any thread may publish; see messages.Publisher)."""

    @abstractmethod
    def publish(self, messages: Sequence[Message]) -> None:
        """Publish on this object's connection, each message confirmed; raises PublishFailed
        (e.g. `unroutable`: no queue bound to its routing key)."""

    @abstractmethod
    def count(self, queue: str) -> QueueCount:
        """Ready messages and consumers of one queue."""

    @abstractmethod
    def unacked_counts(self) -> dict[str, int] | None:
        """Unacked messages per queue name, or None when the broker cannot tell."""

    def cluster_view(self) -> ClusterView | None:
        """The broker's nodes and each queue's leader and members, or None when the broker
        cannot tell (a single in-process broker has no replicas)."""
        return None

    @abstractmethod
    def take(self, queue: str, keep: Callable[[TakenMessage], None], limit: int) -> int:
        """Take up to `limit` messages off `queue`, one at a time, with manual acks: each is
        acked only once `keep` returned. If `keep` raises, that message goes back to the queue
        and the error propagates. A missing queue gives nothing. Returns how many were kept."""

    @abstractmethod
    def purge(self, queues: Iterable[str]) -> int:
        """Empty queues (missing ones are fine); returns the number of messages removed."""

    @abstractmethod
    def delete_queues(self, queues: Iterable[str]) -> None:
        """Remove queues; missing ones are fine."""

    @abstractmethod
    def delete_exchanges(self, names: Iterable[str]) -> None:
        """Remove exchanges; missing ones are fine."""

    @abstractmethod
    def close(self) -> None:
        """Release this object's own connection; idempotent."""

    def delete_topology(self) -> None:
        """Remove every queue and exchange of the deployment (tests, benchmarks)."""
        self.delete_queues(spec.name for spec in self.queue_specs())
        self.delete_exchanges(exchanges(self.names))

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
