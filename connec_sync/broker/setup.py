"""This deployment's topology from settings: its names and every queue it declares."""

from __future__ import annotations

from connec_sync.broker import topology
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings
from mappers.registry import COLLECTIONS


def names_for(settings: BrokerSettings) -> Names:
    return Names(settings.namespace)


def queue_specs(settings: BrokerSettings) -> list[topology.QueueSpec]:
    return topology.all_queues(
        names_for(settings), COLLECTIONS, settings.delivery_limit, settings.retry_delays_s
    )
