"""What the producers' publisher (confirms.py) hands pika: a node's connection parameters, and
each message's properties (persistent JSON, its id for returns, its headers)."""

from __future__ import annotations

import pika

from connec_sync.broker.messages import Message

#: pika drops a connection blocked (broker alarm) for this long, and reconnects
BLOCKED_CONNECTION_TIMEOUT_S = 120
#: seconds to open the socket, and for the whole AMQP handshake
SOCKET_TIMEOUT_S, STACK_TIMEOUT_S = 5, 10


def node_parameters(url: str, heartbeat_s: int) -> pika.URLParameters:
    """One node's parameters: one attempt (the publisher rotates nodes and backs off itself)."""
    parameters = pika.URLParameters(url)
    parameters.heartbeat = heartbeat_s
    parameters.blocked_connection_timeout = BLOCKED_CONNECTION_TIMEOUT_S
    parameters.connection_attempts = 1
    parameters.socket_timeout = SOCKET_TIMEOUT_S
    parameters.stack_timeout = STACK_TIMEOUT_S
    return parameters


def message_properties(message: Message) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=2,
        message_id=message.message_id,
        headers=message.headers or None,
    )
