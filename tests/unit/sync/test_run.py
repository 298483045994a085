"""One organization's run against both sandboxes (real loopback HTTP), publishing to a fake."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connec_sync.store import RunAlreadyGoing
from connec_sync.store.clock import utcnow
from producers.sync import reader
from producers.sync.plan import Request
from sandboxes.testing import ACCOUNT, GROUP_ID
from tests.services import TEST_ENTITIES
from tests.unit.sync.support import RecordingPublisher, SyncWorld

pytestmark = pytest.mark.timeout(30)
EXPECTED_ORDER = [
    ("organizations", "to-connec"),
    ("people", "to-connec"),
    ("items", "to-connec"),
    ("organizations", "to-app"),
    ("people", "to-app"),
    ("items", "to-app"),
]


def seed_three_entities(world: SyncWorld, count: int = 12) -> None:
    for resource, collection in (
        ("companies", "organizations"),
        ("contacts", "people"),
        ("products", "items"),
    ):
        world.seed_partner(resource, count)
        world.seed_connec(collection, count)


def test_a_first_sync_publishes_every_record_partner_side_first_in_dependency_order(
    world: SyncWorld,
) -> None:
    seed_three_entities(world)

    run = world.runner.run(world.organization, Request())

    assert (run.mode, run.state, run.error) == ("first", "succeeded", None)
    assert world.publisher.steps == EXPECTED_ORDER
    assert len(world.publisher.envelopes) == 6 * 12
    assert [len(batch) for batch in world.publisher.batches[:3]] == [5, 5, 2]  # a batch per page
    read = {e: {"to-connec": 12, "to-app": 12} for e in ("organizations", "people", "items")}
    assert run.counts == {e: {"to-connec": 0, "to-app": 0} for e in TEST_ENTITIES} | read


def test_every_envelope_is_a_sync_upsert_on_the_backfill_lane_of_its_route(
    world: SyncWorld,
) -> None:
    [company] = world.seed_partner("companies", 1)
    [organization] = world.seed_connec("organizations", 1)

    world.runner.run(world.organization, Request())

    (key_app, from_app), (key_connec, from_connec) = [m for b in world.publisher.batches for m in b]
    assert (
        key_app == "organizations.to-connec.backfill"
        and key_connec == "organizations.to-app.backfill"
    )
    assert from_app["source"] == "app" and from_app["record"] == company
    assert from_connec["source"] == "connec" and from_connec["record"]["id"] == organization["id"]
    for envelope in (from_app, from_connec):
        assert (envelope["origin"], envelope["action"]) == ("sync", "upsert")
        assert (envelope["tenant"], envelope["group_id"], envelope["account"]) == (
            "default",
            "cld-test",
            "acct-test",
        )
        assert envelope["updated_at"] == envelope["record"]["updated_at"]


def test_an_incremental_sync_publishes_only_what_changed_since_the_last_successful_start(
    world: SyncWorld,
) -> None:
    seed_three_entities(world)
    world.runner.run(world.organization, Request())
    world.later()
    companies = world.partner.state.records("acct-test", "companies")
    world.partner.state.user_edit("acct-test", "companies", companies[3]["id"], {"name": "Renamed"})
    people = world.connec.state.records("cld-test", "people")
    world.connec.state.user_edit(
        "cld-test", "people", people[0]["id"][0]["id"], {"last_name": "New"}
    )
    world.publisher.batches.clear()

    run = world.runner.run(world.organization, Request())

    assert (run.mode, run.state) == ("incremental", "succeeded")
    published = {(e["entity"], e["direction"]): e["record"] for e in world.publisher.envelopes}
    assert list(published) == [("organizations", "to-connec"), ("people", "to-app")]
    assert published[("organizations", "to-connec")]["name"] == "Renamed"
    assert published[("people", "to-app")]["last_name"] == "New"
    assert run.counts["items"] == {"to-connec": 0, "to-app": 0}


def test_a_full_sync_after_a_success_reads_everything_again(world: SyncWorld) -> None:
    seed_three_entities(world, count=3)
    world.runner.run(world.organization, Request())
    world.publisher.batches.clear()

    run = world.runner.run(world.organization, Request(full=True))

    assert run.mode == "full" and len(world.publisher.envelopes) == 18


def test_a_second_run_while_one_is_running_is_refused_and_records_nothing(world: SyncWorld) -> None:
    going = world.store.runs.start(world.organization.id, "incremental")

    with pytest.raises(RunAlreadyGoing):
        world.runner.run(world.organization, Request())

    assert [r.id for r in world.store.runs.latest(world.organization.id)] == [going.id]


def test_a_run_left_running_by_a_dead_process_is_failed_after_the_stale_horizon(
    make_world,  # type: ignore[no-untyped-def]
) -> None:
    world = make_world(stale_run_s=60)
    stale = world.store.runs.start(world.organization.id, "incremental")
    with world.store.engine.begin() as conn:
        from connec_sync.store import tables

        old = utcnow() - timedelta(minutes=5)
        conn.execute(tables.sync_runs.update().values(started_at=old))

    run = world.runner.run(world.organization, Request())

    abandoned = world.store.runs.by_id(stale.id)
    assert (
        abandoned is not None
        and abandoned.state == "failed"
        and "abandoned" in (abandoned.error or "")
    )
    assert run.state == "succeeded"


def test_a_failing_api_fails_the_run_with_the_error_after_reading_the_step_again(
    world: SyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "READ_PAUSE_S", 0.01)
    world.seed_partner("companies", 3)
    world.partner.state.faults.set(error_rate=1.0, error_statuses=(500,))

    run = world.runner.run(world.organization, Request())

    assert run.state == "failed" and run.error is not None
    assert run.error.startswith("TransientTargetError: 500")
    assert world.publisher.envelopes == [] and run.counts == {}
    reads = [r for r in world.partner.state.request_log.entries() if r["method"] == "GET"]
    assert len(reads) == reader.READ_ATTEMPTS


def test_a_failed_publish_fails_the_run_and_a_rerun_publishes_it_all(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(publisher=RecordingPublisher(fail_at=2))
    world.seed_partner("companies", 12)

    failed = world.runner.run(world.organization, Request())
    world.publisher.fail_at = None
    world.publisher.batches.clear()
    again = world.runner.run(world.organization, Request())

    assert failed.state == "failed" and failed.error == "PublishFailed: nacked: the test says so"
    assert again.mode == "first" and again.state == "succeeded"
    assert len(world.publisher.envelopes) == 12


def test_a_stop_request_fails_the_run_as_interrupted(world: SyncWorld) -> None:
    world.seed_partner("companies", 3)
    world.runner.stop.set()

    run = world.runner.run(world.organization, Request())

    assert run.state == "failed" and (run.error or "").startswith("Interrupted: stopped")


def test_a_finished_run_is_counted_in_the_sync_metrics() -> None:
    from prometheus_client import REGISTRY

    from producers.sync import metrics

    before = REGISTRY.get_sample_value(
        "connec_sync_sync_records_published_total", {"entity": "people", "direction": "to-app"}
    )
    metrics.record_run("succeeded", {"people": {"to-app": 3}})
    after = REGISTRY.get_sample_value(
        "connec_sync_sync_records_published_total", {"entity": "people", "direction": "to-app"}
    )
    assert (after or 0) - (before or 0) == 3
    assert REGISTRY.get_sample_value("connec_sync_sync_runs_total", {"state": "succeeded"}) >= 1


def test_a_sync_reads_the_company_and_the_profile_as_one_record_each(make_world) -> None:  # type: ignore[no-untyped-def]
    world = make_world(entities={"company": "both"})
    world.partner.state.user_edit(ACCOUNT, "profile", "profile", {"name": "Partner Co"})
    world.connec.state.user_edit(GROUP_ID, "company", "", {"name": "Connec Co"})

    run = world.runner.run(world.organization, Request())

    assert run.state == "succeeded" and run.counts == {"company": {"to-connec": 1, "to-app": 1}}
    (key_app, from_app), (key_connec, from_connec) = [m for b in world.publisher.batches for m in b]
    assert (key_app, key_connec) == ("company.to-connec.backfill", "company.to-app.backfill")
    assert (from_app["record"]["id"], from_app["record"]["name"]) == ("profile", "Partner Co")
    assert from_connec["record"]["name"] == "Connec Co"
