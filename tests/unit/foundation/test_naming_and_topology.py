"""Names and queue arguments come from one helper each, as data."""

from __future__ import annotations

import pytest

from connec_sync.broker.topology import all_queues
from connec_sync.naming import BACKFILL, Names, direction_for


def test_names_derive_from_namespace_entity_and_direction() -> None:
    route = Names("connec-sync").route("people", "to-app")
    assert route.work_queue() == "connec-sync.people.to-app"
    assert route.work_queue(BACKFILL) == "connec-sync.people.to-app.backfill"
    assert route.routing_key() == "people.to-app"
    assert route.retry_queue(30) == "connec-sync.people.to-app.retry.30s"
    assert route.dead_letter_queue == "connec-sync.people.to-app.dead"


def test_an_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="sideways"):
        Names().route("people", "sideways")


def test_records_from_connec_travel_to_the_app() -> None:
    assert direction_for("connec") == "to-app"
    assert direction_for("app") == "to-connec"


def test_every_route_has_two_lanes_its_retry_tiers_and_a_dead_letter_queue() -> None:
    specs = all_queues(Names("x"), ["people", "items"], delivery_limit=5, delays_s=(5, 30))
    assert len(specs) == 2 * 2 * (2 + 2 + 1)
    roles = sorted({spec.role for spec in specs})
    assert roles == ["backfill", "dead", "retry", "work"]


def test_work_queues_are_quorum_with_a_delivery_limit_and_safe_dead_lettering() -> None:
    work = all_queues(Names("x"), ["people"], delivery_limit=4, delays_s=(5,))[0]
    assert work.arguments == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 4,
        "x-dead-letter-exchange": "x.dead",
        "x-dead-letter-routing-key": "people.to-app",
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    assert work.bindings == (("x.work", "people.to-app"),)


def test_a_retry_tier_holds_messages_for_its_delay_then_returns_them_to_the_live_lane() -> None:
    tier = next(s for s in all_queues(Names("x"), ["people"], 4, (30,)) if s.role == "retry")
    assert tier.arguments["x-message-ttl"] == 30_000
    assert tier.arguments["x-dead-letter-exchange"] == "x.work"
    assert tier.arguments["x-dead-letter-routing-key"] == "people.to-app"
    assert tier.bindings == (("x.retry", "people.to-app.30s"),)
