"""The status page's last hour, from lineage: records applied per minute and lag p99 per minute
per entity and direction as inline SVG charts, and the top reasons of skips, retries and dead
letters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connec_sync.store import Store
from operators.activity import activity_facts, activity_section, p99
from operators.status_page import render_page
from tests.unit.operators.status_facts import sample_facts

NOW = datetime(2026, 12, 2, 10, 30, 30, tzinfo=UTC)


def row(minutes_ago: int, outcome: str, **facts: Any) -> dict[str, Any]:
    at = NOW - timedelta(minutes=minutes_ago)
    return {
        "at": at,
        "minute": int(at.timestamp() // 60),
        "entity": facts.pop("entity", "people"),
        "direction": facts.pop("direction", "to-app"),
        "step": "delivery",
        "outcome": outcome,
        "details": {},
        "lag_ms": facts.pop("lag_ms", None),
        "reason": facts.pop("reason", None),
    }


@pytest.fixture
def store(sqlite_store_url: str) -> Iterator[Store]:
    opened = Store.open(sqlite_store_url)
    yield opened
    opened.close()


def test_applied_per_minute_lag_p99_and_top_reasons_per_entity_and_direction(store: Store) -> None:
    rows = [row(0, "applied", lag_ms=80) for _ in range(99)] + [row(0, "applied", lag_ms=4000)]
    rows += [row(5, "applied", lag_ms=300) for _ in range(3)]
    rows += [row(1, "skipped", reason="echo") for _ in range(4)]
    rows += [row(2, "retried", reason="transient_error"), row(2, "dead_lettered", reason="invalid")]
    rows += [row(90, "applied", lag_ms=1)]  # older than the hour
    rows += [row(3, "applied", lag_ms=50, entity="items", direction="to-connec")]
    store.lineage.add(rows)

    activity = activity_facts(store, NOW.timestamp())

    people, items = activity["routes"][1], activity["routes"][0]
    assert (people["entity"], people["direction"], items["entity"]) == ("people", "to-app", "items")
    assert people["applied_per_minute"][-1] == 100 and people["applied_per_minute"][-6] == 3
    assert people["applied"] == 103 and len(people["applied_per_minute"]) == 60
    assert people["lag_p99_ms"][-1] == 100 and people["lag_p99_ms"][-6] == 500
    assert people["lag_p99_ms"][-2] is None
    assert [(r["outcome"], r["reason"], r["count"]) for r in people["top_reasons"]] == [
        ("skipped", "echo", 4),
        ("dead_lettered", "invalid", 1),
        ("retried", "transient_error", 1),
    ]
    assert items["applied"] == 1 and items["top_reasons"] == []


def test_the_p99_is_the_bucket_holding_the_99th_percentile() -> None:
    assert p99([0] * 12) is None
    assert p99([98, 1, 1] + [0] * 9) == 250
    assert p99([1] + [0] * 11) == 100


def test_the_section_draws_inline_svg_and_escapes_every_name() -> None:
    route = {
        "entity": "<b>people</b>",
        "direction": "to-app",
        "applied_per_minute": [0] * 58 + [5, 10],
        "lag_p99_ms": [None] * 58 + [250.0, 1000.0],
        "applied": 15,
        "top_reasons": [{"outcome": "skipped", "reason": "<i>echo</i>", "count": 2}],
    }
    html = activity_section({"minutes": 60, "routes": [route]})
    assert html.count("<svg") == 2 and html.count("<rect") == 4
    assert "&lt;b&gt;people&lt;/b&gt;" in html and "<b>" not in html and "&lt;i&gt;echo" in html
    assert "10/min now" in html and "p99 now &le; 1.0 s" in html
    page = render_page(sample_facts() | {"activity": {"minutes": 60, "routes": []}})
    assert "nothing applied, skipped or retried in the last hour" in page
    assert "Last 60 minutes" not in render_page(sample_facts())
