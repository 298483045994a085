"""RabbitMQ: kombu for consumers and operator calls (broker.py, connections.py, consumer.py,
inspect.py), pika's windowed confirms for the producers' publisher (confirms.py). Nothing outside
`connec_sync.broker` imports kombu, amqp or pika.

The package imports nothing itself: a process that only publishes (the receiver's workers,
through `connec_sync.broker.make_publisher`) imports confirms.py and pika, never kombu and amqp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connec_sync.broker.rabbitmq.broker import RabbitBroker

__all__ = ["RabbitBroker"]


def __getattr__(name: str) -> Any:
    if name != "RabbitBroker":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from connec_sync.broker.rabbitmq.broker import RabbitBroker

    return RabbitBroker
