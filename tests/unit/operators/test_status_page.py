"""The operators' `GET /status` page and `GET /status.json` (the receiver's operator port),
over a facts callable (no broker)."""

from __future__ import annotations

import re
from typing import Any

import falcon
import falcon.testing
import pytest

from commands.receiver import operator_app
from connec_sync.store import Store
from operators.status_page import add_status_routes, render_page, reused
from producers.receiver.metrics import ReceiverMetrics
from tests.unit.operators.status_facts import sample_facts
from tests.unit.receiver.support import settings


def client(facts: Any) -> falcon.testing.TestClient:
    app = falcon.App()
    add_status_routes(app, facts)
    return falcon.testing.TestClient(app)


def test_the_page_refreshes_itself_and_shows_every_route_and_organization() -> None:
    answer = client(sample_facts).simulate_get("/status")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "location.reload()},5000)" in page
    assert "broker reachable" in page and "people" in page and "to-connec" in page
    assert "invalid: 2, retries_exhausted: 1" in page and "replayed: 5" in page
    assert "reconcile" in page and "partner API 503" in page and "c-42" in page
    # one script of ours (the refresh that spares a half-typed search), nothing injected
    assert page.lower().count("<script") == 1 and "<script>alert" not in page.lower()


def test_every_value_is_escaped() -> None:
    page = render_page(sample_facts())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "Ada &lt;b&gt;L&lt;/b&gt;" in page


def test_dead_letters_and_waiting_retries_are_coloured_and_quiet_queues_are_not() -> None:
    page = render_page(sample_facts())
    assert re.search(r'<td class="bad">invalid: 2', page)
    assert re.search(r'<td class="n warn">4 / 0</td>', page)  # the 5 s tier holds 4
    assert re.search(r'<td class="n zero">0 / 0</td>', page)


def test_a_queue_short_of_replicas_is_a_warning_naming_the_fix() -> None:
    warning = "queue connec-sync.people.to-app has 2 of 3 replicas (none on rabbit@c): run x"
    page = render_page(sample_facts(replica_warnings=[warning]))
    assert f'<div class="banner down">{warning}</div>' in page
    assert "banner down" not in render_page(sample_facts())


def test_an_unreachable_broker_is_shown_not_a_server_error() -> None:
    facts = sample_facts(broker_reachable=False, broker_error="cannot reach the broker: refused")
    answer = client(lambda: facts).simulate_get("/status")
    assert answer.status_code == 200
    assert "broker unreachable" in answer.text and "refused" in answer.text
    assert client(lambda: facts).simulate_get("/status.json").json["broker_reachable"] is False


def test_a_failing_store_still_gives_a_page_and_a_503_json() -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("database is locked")

    page = client(broken).simulate_get("/status")
    assert page.status_code == 200 and "status unavailable" in page.text
    answer = client(broken).simulate_get("/status.json")
    assert answer.status_code == 503 and "database is locked" in answer.json["error"]


def test_status_json_carries_the_same_facts() -> None:
    answer = client(sample_facts).simulate_get("/status.json")
    assert answer.status_code == 200 and answer.json == sample_facts()


def test_facts_are_reused_for_a_short_while() -> None:
    calls, now = [], [0.0]

    def facts() -> dict[str, Any]:
        calls.append(now[0])
        return {"n": len(calls)}

    read = reused(facts, 2.0, clock=lambda: now[0])
    assert read() == {"n": 1} and read() == {"n": 1}
    now[0] = 2.5
    assert read() == {"n": 2}


@pytest.mark.timeout(60)
def test_the_receiver_serves_the_status_page_with_its_real_facts(sqlite_store_url: str) -> None:
    config = settings(url="memory://")
    store = Store.open(sqlite_store_url)
    store.link_configured(config.organizations)
    try:
        app = operator_app(config, store, ReceiverMetrics())
        answer = falcon.testing.TestClient(app).simulate_get("/status.json")
        assert answer.status_code == 200
        assert {r["entity"] for r in answer.json["routes"]} >= {"people", "items"}
        assert answer.json["organizations"][0]["group_id"] == "cld-9ax2"
        assert answer.json["activity"] == {"minutes": 60, "routes": []}
        assert "connec-sync status" in falcon.testing.TestClient(app).simulate_get("/status").text
    finally:
        store.close()
