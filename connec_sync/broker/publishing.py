"""What producers see of the broker: a batch of messages, published all-or-failed.

`make_publisher` picks the engine: pika with windowed confirms (confirms.py) for RabbitMQ,
kombu (amqp.py) for the in-process `memory://` transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from connec_sync.settings import BrokerSettings


class PublishFailed(Exception):
    """The broker did not confirm every message of a batch; `reason` says why.

    Reasons: unreachable, disconnected, blocked, nacked, unroutable, timeout, closed.
    Some messages of the batch may have been stored: a retry of the batch is expected.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class OutgoingMessage:
    """One persistent, mandatory message: JSON body, routed by exchange and routing key."""

    exchange: str
    routing_key: str
    body: bytes
    message_id: str
    headers: dict[str, Any] = field(default_factory=dict)


class Publisher(Protocol):
    def start(self) -> None:
        """Connect ahead of the first publish (publish_batch connects anyway when needed)."""

    def publish_batch(self, messages: list[OutgoingMessage]) -> None:
        """Return once the broker confirmed every message; else raise PublishFailed."""

    def is_ready(self) -> bool:
        """Whether a publish could succeed now (connected, channel open, not blocked)."""

    def close(self) -> None:
        """Stop publishing and release the connection; idempotent."""


def make_publisher(settings: BrokerSettings) -> Publisher:
    """The publisher for the configured broker URL."""
    if settings.is_memory:
        from connec_sync.broker.amqp import KombuPublisher  # a memory:// process needs no pika

        return KombuPublisher(settings)
    from connec_sync.broker.confirms import ConfirmingPublisher

    return ConfirmingPublisher(
        settings.url, confirm_timeout_s=settings.confirm_timeout_s, heartbeat_s=settings.heartbeat_s
    )
