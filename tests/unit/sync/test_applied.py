"""What a run's progress counts as applied: the organization's deliveries on the run's routes
settled for good since it started, from lineage; `--wait` waits for all it published."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connec_sync.store import Store
from producers.sync.applied import AppliedWatch
from producers.sync.plan import Request, Step
from producers.sync.progress import NoProgress

pytestmark = pytest.mark.timeout(20)
START = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
STEPS = (Step("people", "to-connec", None), Step("items", "to-connec", None))


def delivery(outcome: str, **changes: Any) -> dict[str, Any]:
    at = changes.pop("at", START + timedelta(seconds=5))
    row = {
        "at": at,
        "minute": int(at.timestamp() // 60),
        "entity": "people",
        "direction": "to-connec",
        "owner": "cld-1",
        "step": "delivery",
        "outcome": outcome,
        "details": {},
    }
    return row | changes


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.close()


def test_only_the_owners_deliveries_on_the_runs_routes_settled_since_it_started_count(
    store: Any,
) -> None:
    store.lineage.add(
        [
            delivery("applied"),
            delivery("skipped", entity="items"),
            delivery("dead_lettered"),
            delivery("retried"),  # settled later
            delivery("applied", owner="cld-2"),
            delivery("applied", direction="to-app"),
            delivery("applied", entity="organizations"),
            delivery("applied", at=START - timedelta(seconds=1)),
            delivery("accepted", step="linked_back"),
        ]
    )
    routes = [("people", "to-connec"), ("items", "to-connec")]

    assert store.lineage.settled("cld-1", START, routes) == 3


def test_waiting_ends_once_everything_published_is_settled(store: Any) -> None:
    watch = AppliedWatch(store, every_s=0.01)
    watch.watch("cld-1", START, STEPS)
    watch.poll(NoProgress(), published=2)
    store.lineage.add([delivery("applied"), delivery("applied", entity="items")])

    assert watch.wait(NoProgress(), threading.Event()) is True
    assert watch.settled == 2


def test_the_count_never_passes_what_the_run_published(store: Any) -> None:
    watch = AppliedWatch(store, every_s=0.01)
    watch.watch("cld-1", START, STEPS)
    store.lineage.add([delivery("applied")] * 3)  # live traffic of the same routes

    assert watch.poll(NoProgress(), published=2, force=True) == 2


def test_a_stop_request_ends_the_wait_unfinished(store: Any) -> None:
    watch = AppliedWatch(store, every_s=0.01)
    watch.watch("cld-1", START, STEPS)
    watch.poll(NoProgress(), published=5)
    stop = threading.Event()
    stop.set()

    assert watch.wait(NoProgress(), stop) is False


class Recorded(NoProgress):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def read(self, records: int) -> None:
        self.events.append("read")

    def published(self, records: int) -> None:
        self.events.append("published")

    def applied(self, total: int) -> None:
        self.events.append("applied")


def test_the_applied_count_is_refreshed_from_the_first_page_read_on(
    world: Any,
) -> None:
    world.seed_partner("contacts", 12)
    progress = Recorded()
    world.runner.progress = progress

    world.runner.run(world.organization, Request(entities=("people",)))

    assert progress.events[:2] == ["read", "applied"]
    assert "published" in progress.events
