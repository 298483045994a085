"""This deployment's topology from settings and its entities: its names and every queue it
declares. The entities (Connec! collections, in dependency order) are the domain's
(mappers.registry): the layers above pass them in."""

from __future__ import annotations

from collections.abc import Sequence

from connec_sync.broker import topology
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings


def names_for(settings: BrokerSettings) -> Names:
    return Names(settings.namespace)


def queue_specs(settings: BrokerSettings, entities: Sequence[str]) -> list[topology.QueueSpec]:
    """Every queue of `entities`, both directions: lanes, retry tiers, dead letters."""
    return topology.all_queues(
        names_for(settings), entities, settings.delivery_limit, settings.retry_delays_s
    )
