"""The values that cross the broker interface: a message to publish, a message taken from a
queue, a queue's counts, and what publishes batches of messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    """One persistent, mandatory message: JSON body, routed by exchange and routing key."""

    exchange: str
    routing_key: str
    body: bytes
    message_id: str | None
    headers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TakenMessage:
    """A message taken off a queue by `Broker.take`: body, headers and message id."""

    body: bytes
    headers: dict[str, Any]
    message_id: str | None


@dataclass(frozen=True)
class QueueCount:
    """Ready messages and consumers of one queue (None, and `exists` false, when missing)."""

    name: str
    ready: int | None
    consumers: int | None
    exists: bool = True


@dataclass(frozen=True)
class Placement:
    """Where a replicated (quorum) queue lives: its leader node and its member nodes."""

    leader: str | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class ClusterView:
    """The broker's nodes (running or not) and each queue's placement, by queue name."""

    nodes: tuple[str, ...]
    queues: dict[str, Placement]


class Publisher(Protocol):
    """Publishes batches of messages, each batch confirmed as a whole or failed."""

    def start(self) -> None:
        """Connect ahead of the first publish (publish_batch connects anyway when needed)."""

    def publish_batch(self, messages: list[Message]) -> None:
        """Return once the broker confirmed every message; else raise PublishFailed."""

    def is_ready(self) -> bool:
        """Whether a publish could succeed now (connected, channel open, not blocked)."""

    def close(self) -> None:
        """Stop publishing and release the connection; idempotent."""
