"""Lineage on SQLite and on PostgreSQL: the recorder's batched insert on the driver, the
search by either id or message id, the kept envelope, pruning after the retention, and on
SQLite its own database file, whose writes never wait for the store's."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect

from connec_sync.naming import Names
from connec_sync.store import Store
from connec_sync.store.clock import utcnow
from connec_sync.store.engine import lineage_url
from consumers.lineage import LineageRecorder
from consumers.verdicts import Verdict
from tests.unit.consumers.support import envelope_for

ROUTE = Names("lin").route("people", "to-connec")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    yield opened
    opened.close()


def settle(recorder: LineageRecorder, record_id: str, verdict: Verdict, attempts: int = 0):  # type: ignore[no-untyped-def]
    envelope = dataclasses.replace(envelope_for(ROUTE, record_id), attempts=attempts)
    delivery = SimpleNamespace(
        route=ROUTE,
        lane="live",
        message_id=envelope.message_id,
        redelivered=False,
        body=envelope.encode(),
    )
    recorder.settled(delivery, envelope, verdict, 0.02)  # type: ignore[arg-type]
    return envelope


def test_a_batch_is_kept_and_found_by_either_id_then_pruned(store: Store) -> None:
    now = [utcnow() - timedelta(days=8)]
    recorder = LineageRecorder(store.lineage, retention_days=7, clock=lambda: now[0])
    applied = Verdict(
        "applied",
        details={"connec_id": "c-1", "partner_id": "p1", "status": "created"},
        trail={"target": "connec", "method": "POST", "body": {"name": "x"}},
    )
    old = settle(recorder, "p0", Verdict("skipped", "stale"))
    now[0] = utcnow()
    first = settle(recorder, "p1", Verdict("retried", "missing_reference", "refers to co_1"))
    settle(recorder, "p1", applied, attempts=1)
    recorder.linked_back("people", "c-1", "accepted", None)
    assert recorder.flush() == 4

    by_connec = store.lineage.events(connec_ids=["c-1"])
    assert [(r["step"], r["outcome"]) for r in by_connec] == [
        ("delivery", "applied"),
        ("linked_back", "accepted"),
    ]
    by_partner = store.lineage.events(partner_ids=["p1"])
    assert [r["outcome"] for r in by_partner] == ["retried", "applied"]
    assert (
        by_partner[0]["envelope"] == first.encode().decode() and by_partner[1]["envelope"] is None
    )
    assert by_partner[1]["details"]["written"]["body"] == {"name": "x"}
    assert store.lineage.events(message_ids=[old.message_id])[0]["reason"] == "stale"
    assert len(store.lineage.received_since(now[0] - timedelta(hours=1))) == 1

    assert recorder.prune() == 1
    assert store.lineage.events(message_ids=[old.message_id]) == []
    assert len(store.lineage.events(partner_ids=["p1"])) == 2


def test_a_failing_store_drops_the_batch_and_the_recorder_goes_on(store: Store) -> None:
    class Broken:
        def add(self, rows):  # type: ignore[no-untyped-def]
            raise RuntimeError("store down")

    recorder = LineageRecorder(Broken(), retention_days=7)
    settle(recorder, "p1", Verdict("skipped", "stale"))
    assert recorder.flush() == 0 and recorder.flush() == 0


@pytest.mark.parametrize(
    ("url", "apart"),
    [
        ("sqlite:////var/lib/sync/store.db", "sqlite:////var/lib/sync/store-lineage.db"),
        ("sqlite:///store.sqlite3", "sqlite:///store-lineage.sqlite3"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://sync@db/sync", None),
    ],
)
def test_lineage_has_a_file_of_its_own_beside_a_sqlite_store_only(
    url: str, apart: str | None
) -> None:
    assert lineage_url(url) == apart


def test_on_sqlite_lineage_writes_while_a_consumer_holds_the_stores_write_lock(
    sqlite_store_url: str,
) -> None:
    store = Store.open(sqlite_store_url)
    recorder = LineageRecorder(store.lineage, retention_days=7)
    holder = store.engine.raw_connection()
    try:
        assert not inspect(store.engine).has_table("lineage_events")
        holder.driver_connection.execute("BEGIN IMMEDIATE")  # a long id map transaction
        written = settle(recorder, "p1", Verdict("skipped", "stale"))
        done = threading.Thread(target=recorder.flush)
        done.start()
        done.join(5)
        assert not done.is_alive(), "lineage waited for the store's writer"
        assert [e["reason"] for e in store.lineage.events(message_ids=[written.message_id])] == [
            "stale"
        ]
    finally:
        holder.rollback()
        holder.close()
        store.close()
    assert Path(lineage_url(sqlite_store_url) or "").name == "store-lineage.db"
