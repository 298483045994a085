"""Declaring this deployment's topology from settings (every process does it at start)."""

from __future__ import annotations

from typing import Any

from connec_sync.broker import amqp, topology
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings
from mappers.registry import COLLECTIONS


def names_for(settings: BrokerSettings) -> Names:
    return Names(settings.namespace)


def queue_specs(settings: BrokerSettings) -> list[topology.QueueSpec]:
    return topology.all_queues(
        names_for(settings), COLLECTIONS, settings.delivery_limit, settings.retry_delays_s
    )


def declare_all(settings: BrokerSettings, connection: Any | None = None) -> int:
    """Declare every exchange and queue; idempotent. Returns the number of queues."""
    own = connection is None
    connection = connection or amqp.open_connection(settings)
    try:
        return amqp.declare(connection, names_for(settings), queue_specs(settings))
    finally:
        if own:
            connection.release()
