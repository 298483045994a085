"""Bursts coalesced: ten versions of one record within a second make at most two partner writes,
the last one the newest; the others are skipped `superseded`, counted and traced."""

from __future__ import annotations

import dataclasses
from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from connec_sync.broker import Message, open_broker
from connec_sync.naming import Names
from consumers.runtime.applying import Job
from consumers.runtime.coalescing import coalesce
from mappers.registry import COLLECTIONS
from tests.system import connec_envelope
from tests.unit.consumers.support import envelope_for
from tests.unit.pipeline.lineage_flow import GROUP, flowing, steps

pytestmark = pytest.mark.timeout(90)
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def at(ms: int) -> str:
    return (START + timedelta(milliseconds=ms)).isoformat().replace("+00:00", "Z")


def test_ten_versions_in_a_second_make_at_most_two_partner_writes_the_last_the_newest(
    sqlite_store_url: str,
) -> None:
    labels = {"entity": "organizations", "direction": "to-app", "reason": "superseded"}
    before = REGISTRY.get_sample_value("connec_sync_records_skipped_total", labels) or 0
    with flowing(sqlite_store_url) as flow:
        state = flow.both.connec.state
        record = state.write_as_app(GROUP, "organizations", {"id": "o1", "name": "v0"})[1]
        connec_id = record["id"][0]["id"]
        versions = [
            connec_envelope("organizations", {**record, "name": f"v{n}", "updated_at": at(90 * n)})
            for n in range(10)
        ]
        route = flow.names.route("organizations", "to-app")
        with open_broker(flow.broker, COLLECTIONS) as broker:  # one batch: a burst
            broker.publish(
                [
                    Message(
                        f"{flow.broker.namespace}.work",
                        route.routing_key(),
                        e.encode(),
                        e.message_id,
                    )
                    for e in versions
                ]
            )
        found = flow.wait(lambda f: steps(f).count("acked") == 10, "ten acked", connec_id=connec_id)
        writes = sorted(
            flow.both.partner_writes("POST") + flow.both.partner_writes("PATCH"),
            key=lambda w: w["at"],
        )

    assert 1 <= len(writes) <= 2
    [company] = flow.both.partner_records("companies")
    assert company["name"] == "v9"
    assert writes[-1]["body"]["name"] == "v9"
    skipped = [e for e in found["events"] if e["step"] == "skipped"]
    assert len(skipped) == 10 - len(writes) and {e["reason"] for e in skipped} == {"superseded"}
    assert found["record"]["why_stuck"] is None
    after = REGISTRY.get_sample_value("connec_sync_records_skipped_total", labels)
    assert after == before + len(skipped)


def job(envelope, n: int) -> Job:  # type: ignore[no-untyped-def]
    class Delivery:
        route = Names("c").route("people", "to-app")
        message_id = f"m{n}"

    return Job(Delivery(), envelope, 1)  # type: ignore[arg-type]


def test_coalescing_never_goes_backwards_and_leaves_other_routes_in_order() -> None:
    route = Names("c").route("people", "to-app")
    base = envelope_for(route, "r1")
    newest = job(dataclasses.replace(base, updated_at=at(500)), 1)
    older_after = job(dataclasses.replace(base, updated_at=at(100)), 2)
    other = job(dataclasses.replace(base, direction="to-connec", entity="people"), 3)
    other.delivery.route = Names("c").route("people", "to-connec")  # type: ignore[misc]
    undated = job(dataclasses.replace(base, updated_at=None), 4)
    behind = deque([older_after, newest, other, undated])

    chosen, superseded = coalesce(behind)

    assert chosen is newest and superseded == [older_after]
    assert older_after.verdict is not None and older_after.verdict.reason == "superseded"
    assert older_after.verdict.details["superseded_by"] == "m1"
    assert list(behind) == [other, undated]
    assert coalesce(deque([undated, newest])) == (undated, [])
