"""What a run reads: mode, step order, and `since` per step with the safety margin."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connec_sync.store.organizations import Organization
from producers.sync.plan import (
    FIRST,
    FULL,
    INCREMENTAL,
    SINCE,
    Request,
    connec_filter,
    iso_micro,
    parse_timestamp,
    plan_run,
)

pytestmark = pytest.mark.timeout(10)
T0 = datetime(2026, 11, 27, 10, 0, 0, 250000, tzinfo=UTC)
ORG = Organization(
    1,
    "default",
    "cld-1",
    "acct-1",
    {"organizations": "both", "people": "to-app", "items": "to-connec", "invoices": "off"},
)


@dataclass
class PastRun:
    state: str
    started_at: datetime
    counts: dict[str, Any] = field(default_factory=dict)


def everything(state: str = "succeeded", at: datetime = T0) -> PastRun:
    counts = {
        "organizations": {"to-app": 1, "to-connec": 1},
        "people": {"to-app": 1},
        "items": {"to-connec": 1},
    }
    return PastRun(state, at, counts)


def test_a_first_sync_reads_the_partner_side_then_connec_in_dependency_order_from_the_start() -> (
    None
):
    plan = plan_run(ORG, [], Request(), margin_s=300)

    assert plan.mode == FIRST
    assert [(s.entity, s.direction) for s in plan.steps] == [
        ("organizations", "to-connec"),
        ("items", "to-connec"),
        ("organizations", "to-app"),
        ("people", "to-app"),
    ]
    assert all(s.since is None for s in plan.steps) and plan.since is None


def test_an_organization_whose_runs_all_failed_still_gets_a_first_sync() -> None:
    assert plan_run(ORG, [everything("failed")], Request(), 300).mode == FIRST


def test_an_incremental_sync_reads_from_the_last_successful_start_minus_the_margin() -> None:
    older = everything(at=T0 - timedelta(hours=2))
    failed_later = everything("failed", at=T0 + timedelta(hours=1))

    plan = plan_run(ORG, [failed_later, everything(), older], Request(), margin_s=300)

    assert plan.mode == INCREMENTAL
    assert {s.since for s in plan.steps} == {T0 - timedelta(seconds=300)}
    assert plan.since == "2026-11-27T09:55:00.250000Z"


def test_a_step_the_last_success_skipped_reads_from_its_own_last_success_or_from_scratch() -> None:
    people_only = PastRun("succeeded", T0, {"people": {"to-app": 3}})
    earlier = PastRun("succeeded", T0 - timedelta(days=1), {"organizations": {"to-app": 2}})

    plan = plan_run(ORG, [people_only, earlier], Request(), margin_s=0)

    since = {(s.entity, s.direction): s.since for s in plan.steps}
    assert since[("people", "to-app")] == T0
    assert since[("organizations", "to-app")] == T0 - timedelta(days=1)
    assert since[("organizations", "to-connec")] is None and since[("items", "to-connec")] is None
    assert plan.since is None


def test_full_reads_everything_and_since_reads_from_the_given_moment_without_a_margin() -> None:
    moment = parse_timestamp("2026-11-01T00:00:00Z")

    full = plan_run(ORG, [everything()], Request(full=True), 300)
    since = plan_run(ORG, [everything()], Request(since=moment), 300)

    assert full.mode == FULL and all(s.since is None for s in full.steps)
    assert since.mode == SINCE and {s.since for s in since.steps} == {moment}


def test_entities_asked_for_are_read_only_where_their_direction_is_on() -> None:
    plan = plan_run(ORG, [], Request(entities=("people", "invoices", "items")), 300)

    assert [(s.entity, s.direction) for s in plan.steps] == [
        ("items", "to-connec"),
        ("people", "to-app"),
    ]


def test_a_disabled_organization_reads_nothing() -> None:
    disabled = Organization(2, "default", "cld-2", "acct-2", {"people": "both"}, enabled=False)

    assert plan_run(disabled, [], Request(), 300).steps == ()


def test_the_connec_filter_has_whole_seconds_and_a_second_of_slack() -> None:
    assert connec_filter(None) is None
    assert connec_filter(T0) == "updated_at gt '2026-11-27T09:59:59Z'"


def test_timestamps_parse_with_a_zone_or_as_utc_and_print_with_microseconds() -> None:
    assert parse_timestamp("2026-11-27T10:00:00.25") == T0
    assert (
        iso_micro(parse_timestamp("2026-11-27T11:00:00.25+01:00")) == "2026-11-27T10:00:00.250000Z"
    )
    with pytest.raises(ValueError):
        parse_timestamp("yesterday")
