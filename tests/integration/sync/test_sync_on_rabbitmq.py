"""The sync against both sandboxes, publishing to RabbitMQ, on SQLite and PostgreSQL stores."""

from __future__ import annotations

from typing import Any

import pytest

from connec_sync.broker.setup import queue_specs
from connec_sync.settings import BrokerSettings
from connec_sync.store import RunAlreadyGoing
from producers.sync import reader
from producers.sync.plan import Request
from tests.integration.receiver.conftest import take_all
from tests.services import TEST_ENTITIES
from tests.unit.sync.support import SyncWorld

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
ENTITIES = (("companies", "organizations"), ("contacts", "people"))


def seed(world: SyncWorld, count: int = 12) -> None:
    for resource, collection in ENTITIES:
        world.seed_partner(resource, count)
        world.seed_connec(collection, count)


def drained(broker: BrokerSettings) -> dict[str, list[dict[str, Any]]]:
    """Every non-empty queue of this namespace, emptied, by short name (`people.to-app`)."""
    prefix = broker.namespace + "."
    contents = {
        spec.name: take_all(broker, spec.name) for spec in queue_specs(broker, TEST_ENTITIES)
    }
    return {name.removeprefix(prefix): found for name, found in contents.items() if found}


def own_id(envelope: dict[str, Any]) -> str:
    raw = envelope["record"]["id"]
    return raw if isinstance(raw, str) else raw[0]["id"]


def test_a_first_sync_puts_every_record_of_both_sides_in_the_backfill_lanes_in_order(
    make_world, broker_settings: BrokerSettings
) -> None:
    world = make_world()
    seed(world)

    run = world.runner.run(world.organization, Request())

    assert run.state == "succeeded" and run.mode == "first"
    assert world.publisher.steps == [
        ("organizations", "to-connec"),
        ("people", "to-connec"),
        ("organizations", "to-app"),
        ("people", "to-app"),
    ]
    assert len(world.publisher.batches) == 4 * 3  # 12 records in pages of 5, one batch per page
    contents = drained(broker_settings)
    assert sorted(contents) == [
        f"{e}.{d}.backfill" for e in ("organizations", "people") for d in ("to-app", "to-connec")
    ]
    for lane, messages in contents.items():  # each lane holds its step's records in read order
        step = tuple(lane.split(".")[:2])
        logged = [e for e in world.publisher.envelopes if (e["entity"], e["direction"]) == step]
        assert [own_id(m) for m in messages] == [own_id(e) for e in logged]
        assert len(messages) == 12 and {m["origin"] for m in messages} == {"sync"}


def test_an_incremental_sync_publishes_only_what_changed_since_the_last_success_minus_the_margin(
    make_world, broker_settings: BrokerSettings
) -> None:
    world = make_world(safety_margin_s=120)
    seed(world)
    world.runner.run(world.organization, Request())
    drained(broker_settings)
    world.later(seconds=-60)  # inside the margin: changed "before" the run started, still read
    contact = world.partner.state.records("acct-test", "contacts")[7]
    world.partner.state.user_edit("acct-test", "contacts", contact["id"], {"job_title": "CFO"})
    world.later(seconds=5)
    organization = world.connec.state.records("cld-test", "organizations")[2]
    world.connec.state.user_edit(
        "cld-test", "organizations", organization["id"][0]["id"], {"name": "New"}
    )

    run = world.runner.run(world.organization, Request())

    assert (run.mode, run.state) == ("incremental", "succeeded")
    contents = drained(broker_settings)
    assert sorted(contents) == ["organizations.to-app.backfill", "people.to-connec.backfill"]
    [person] = contents["people.to-connec.backfill"]
    [changed] = contents["organizations.to-app.backfill"]
    assert person["record"]["job_title"] == "CFO" and changed["record"]["name"] == "New"


def test_a_second_run_while_one_is_running_is_refused(make_world) -> None:
    world = make_world()
    going = world.store.runs.start(world.organization.id, "first")

    with pytest.raises(RunAlreadyGoing, match=f"sync run {going.id} is still running"):
        world.runner.run(world.organization, Request())

    assert world.publisher.batches == []


def test_the_archive_guard_stops_the_run_before_publishing_and_records_why(
    make_world, broker_settings: BrokerSettings
) -> None:
    world = make_world()
    people = world.seed_connec("people", 3, status="ARCHIVED") + world.seed_connec("people", 1)
    for index, person in enumerate(people):
        world.store.id_map.claim(
            world.organization.id,
            "people",
            connec_id=person["id"][0]["id"],
            partner_id=f"p-{index}",
        )

    run = world.runner.run(world.organization, Request(entities=("people",)))

    stored = world.store.runs.by_id(run.id)
    assert stored is not None and stored.state == "failed"
    assert "people to-app: 3 of 4 linked active records (75%)" in (stored.error or "")
    assert "sync.max_archive_share = 0.5" in (stored.error or "")
    assert drained(broker_settings) == {}


def test_a_failing_api_marks_the_run_failed_with_the_error(
    make_world, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "READ_PAUSE_S", 0.01)
    world = make_world()
    seed(world, count=3)
    world.connec.state.faults.set(error_rate=1.0, error_statuses=(500,))

    run = world.runner.run(world.organization, Request())

    assert run.state == "failed" and (run.error or "").startswith("TransientTargetError: 500")
    read = {e: 0 for e in TEST_ENTITIES} | {"organizations": 3, "people": 3}
    assert run.counts == {entity: {"to-connec": n} for entity, n in read.items()}  # then it failed
    assert world.store.runs.last_success(world.organization.id) is None
