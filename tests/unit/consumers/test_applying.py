"""Applying several records at once: different records in parallel, one record's messages one
after the other in their order, and the thread count bounding what starts."""

from __future__ import annotations

import dataclasses
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from connec_sync.naming import Names
from consumers.outcomes import Applied
from consumers.runtime.applying import Applier, Job, record_key
from consumers.verdicts import APPLIED
from tests.unit.consumers.support import envelope_for

ROUTE = Names("applying").route("people", "to-app")
pytestmark = pytest.mark.timeout(20)


def job(record_id: str, version: int = 0, dated: bool = True) -> Job:
    envelope = envelope_for(ROUTE, record_id, version=version)
    if not dated:  # versions that cannot be compared are never coalesced
        envelope = dataclasses.replace(envelope, updated_at=None)
    delivery = SimpleNamespace(route=ROUTE, message_id=f"{record_id}-{version}")
    return Job(delivery, envelope, generation=1)  # type: ignore[arg-type]


def collect(applier: Applier, count: int) -> list[Job]:
    done: list[Job] = []
    deadline = time.monotonic() + 10
    while len(done) < count and time.monotonic() < deadline:
        done += applier.finished(0.05)
    return done


def test_two_records_are_applied_at_the_same_time() -> None:
    b_started = threading.Event()

    def handler(envelope: dict[str, Any]) -> Applied:
        if envelope.record["id"] == "a":
            assert b_started.wait(5), "b never ran while a was being applied"
        else:
            b_started.set()
        return Applied()

    applier = Applier({ROUTE: handler}, max_attempts=3, concurrency=2)
    applier.start(job("a"))
    applier.start(job("b"))
    done = collect(applier, 2)
    applier.stop()
    assert sorted(j.verdict.outcome for j in done) == [APPLIED, APPLIED]


def test_one_records_messages_apply_one_at_a_time_in_their_order() -> None:
    lock, applied, overlaps = threading.Lock(), [], []

    def handler(envelope: dict[str, Any]) -> Applied:
        if not lock.acquire(blocking=False):
            overlaps.append(envelope.record["version"])
            lock.acquire()
        time.sleep(0.01)
        applied.append(envelope.record["version"])
        lock.release()
        return Applied()

    applier = Applier({ROUTE: handler}, max_attempts=3, concurrency=4)
    for version in range(6):
        applier.start(job("same", version, dated=False))
    assert applier.has_room  # those waiting behind their record hold no thread
    collect(applier, 6)
    applier.stop()
    assert applied == list(range(6))
    assert overlaps == []


def test_a_thread_each_at_most() -> None:
    release = threading.Event()
    applier = Applier({ROUTE: lambda envelope: release.wait(5) and Applied()}, 3, concurrency=2)
    applier.start(job("a"))
    assert applier.has_room
    applier.start(job("b"))
    assert not applier.has_room
    release.set()
    assert len(collect(applier, 2)) == 2
    assert applier.has_room and applier.in_flight == 0
    applier.stop()


def test_a_records_key_ignores_the_other_entries_of_its_id_array() -> None:
    first = dataclasses.replace(
        envelope_for(ROUTE, "x"),
        group_id="cld-1",
        record={"id": [{"id": "c1", "provider": "connec"}]},
    )
    linked = dataclasses.replace(
        first,
        record={"id": [{"id": "p9", "provider": "demoapp"}, {"id": "c1", "provider": "connec"}]},
    )
    other = dataclasses.replace(first, group_id="cld-2")
    assert record_key(first) == record_key(linked)
    assert record_key(first) != record_key(other)
