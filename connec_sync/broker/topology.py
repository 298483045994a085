"""The topology as data: every exchange, queue, binding and argument, built by one function each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connec_sync.naming import DIRECTIONS, LANES, Names, Route


@dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict[str, Any]
    #: (exchange, routing key) pairs bound to this queue
    bindings: tuple[tuple[str, str], ...] = ()
    #: what the queue is for: work, backfill, retry, dead
    role: str = "work"
    route: Route | None = field(default=None, compare=False)
    delay_s: int | None = None


def quorum_arguments(
    *,
    dead_letter_exchange: str,
    dead_letter_key: str,
    delivery_limit: int | None = None,
    message_ttl_ms: int | None = None,
) -> dict[str, Any]:
    """Durable quorum queue that dead-letters at least once and rejects publishes when full."""
    arguments: dict[str, Any] = {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": dead_letter_exchange,
        "x-dead-letter-routing-key": dead_letter_key,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    if delivery_limit is not None:
        arguments["x-delivery-limit"] = delivery_limit
    if message_ttl_ms is not None:
        arguments["x-message-ttl"] = message_ttl_ms
    return arguments


def route_queues(
    names: Names, route: Route, delivery_limit: int, delays_s: Iterable[int]
) -> list[QueueSpec]:
    """The work lanes, retry tiers and dead-letter queue of one (entity, direction)."""
    specs = [
        QueueSpec(
            route.work_queue(lane),
            quorum_arguments(
                dead_letter_exchange=names.dead_letter_exchange,
                dead_letter_key=route.routing_key(),
                delivery_limit=delivery_limit,
            ),
            ((names.work_exchange, route.routing_key(lane)),),
            role="work" if lane == LANES[0] else "backfill",
            route=route,
        )
        for lane in LANES
    ]
    for delay in delays_s:
        arguments = quorum_arguments(
            dead_letter_exchange=names.work_exchange,
            dead_letter_key=route.routing_key(),
            message_ttl_ms=delay * 1000,
        )
        bindings = ((names.retry_exchange, route.retry_key(delay)),)
        specs.append(
            QueueSpec(route.retry_queue(delay), arguments, bindings, "retry", route, delay)
        )
    dead = {"x-queue-type": "quorum", "x-overflow": "reject-publish"}
    bindings = ((names.dead_letter_exchange, route.routing_key()),)
    specs.append(QueueSpec(route.dead_letter_queue, dead, bindings, "dead", route))
    return specs


def all_queues(
    names: Names, entities: Iterable[str], delivery_limit: int, delays_s: Iterable[int]
) -> list[QueueSpec]:
    delays = tuple(delays_s)
    return [
        spec
        for entity in entities
        for direction in DIRECTIONS
        for spec in route_queues(names, names.route(entity, direction), delivery_limit, delays)
    ]


def exchanges(names: Names) -> tuple[str, ...]:
    """All direct and durable."""
    return (names.work_exchange, names.retry_exchange, names.dead_letter_exchange)
