"""The broker seam: one interface (interface.Broker, deliveries.Consumer and Delivery,
messages.Publisher) and two implementations, chosen by `broker.url`: `rabbitmq` (kombu and
pika, imported nowhere else) and `memory` (`memory://`, a pure-Python broker in this process).
"""

from __future__ import annotations

from collections.abc import Sequence

from connec_sync.broker.deliveries import Consumer, Delivery
from connec_sync.broker.errors import BrokerUnavailable, ConnectionLost, PublishFailed
from connec_sync.broker.interface import Broker
from connec_sync.broker.messages import (
    ClusterView,
    Message,
    Placement,
    Publisher,
    QueueCount,
    TakenMessage,
)
from connec_sync.settings import BrokerSettings

__all__ = [
    "Broker",
    "BrokerUnavailable",
    "ClusterView",
    "ConnectionLost",
    "Consumer",
    "Delivery",
    "Message",
    "Placement",
    "PublishFailed",
    "Publisher",
    "QueueCount",
    "TakenMessage",
    "declare_all",
    "make_publisher",
    "open_broker",
]


def open_broker(settings: BrokerSettings, entities: Sequence[str] = ()) -> Broker:
    """The broker `settings.url` names (connecting only when first used), declaring the queues
    of `entities` (the domain's entity names, passed in from above)."""
    if settings.is_memory:
        from connec_sync.broker.memory import MemoryBroker  # a memory:// process needs no kombu

        return MemoryBroker(settings, entities)
    from connec_sync.broker.rabbitmq.broker import RabbitBroker

    return RabbitBroker(settings, entities)


def make_publisher(settings: BrokerSettings) -> Publisher:
    """A publisher for the configured broker (windowed confirms on RabbitMQ); on RabbitMQ it
    imports pika only, no kombu (the receiver's workers publish and do nothing else)."""
    if settings.is_memory:
        return open_broker(settings).publisher()
    from connec_sync.broker.rabbitmq.confirms import ConfirmingPublisher

    return ConfirmingPublisher.for_settings(settings)


def declare_all(settings: BrokerSettings, entities: Sequence[str]) -> int:
    """Declare every exchange and the queues of `entities`; idempotent. Returns the number of
    queues."""
    with open_broker(settings, entities) as broker:
        return broker.declare()
