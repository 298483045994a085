"""Fault knobs, the same in both sandboxes, from Python and from the control endpoints."""

from __future__ import annotations

import time

import pytest
import requests

from sandboxes.faults import Faults
from sandboxes.testing import ACCOUNT, GROUP_ID, WEBHOOK_SECRET, start_connec


def statuses(http: requests.Session, url: str, n: int) -> list[int]:
    return [http.get(url).status_code for _ in range(n)]


def test_a_share_of_answers_fail_with_500_or_503_reproducibly_for_a_seed(connec_http):
    runs = []
    for _ in range(2):
        handle = start_connec(seed=7)
        try:
            handle.state.faults.set(error_rate=0.5)
            runs.append(statuses(connec_http, f"{handle.url}/api/v2/{GROUP_ID}/people", 40))
        finally:
            handle.stop()
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500, 503}


def test_a_failed_answer_writes_nothing(partner_sandbox, partner_http):
    partner_sandbox.state.faults.set(error_rate=1.0, error_statuses=[503])
    answer = partner_http.post(
        f"{partner_sandbox.url}/v1/accounts/{ACCOUNT}/companies", json={"name": "x"}
    )
    assert answer.status_code == 503
    assert partner_sandbox.state.records(ACCOUNT, "companies") == []


def test_throttling_answers_429_with_retry_after_for_a_period(partner_sandbox, partner_http):
    partner_sandbox.state.faults.throttle(0.3, retry_after_s=5)
    url = f"{partner_sandbox.url}/v1/accounts/{ACCOUNT}/companies"
    throttled = partner_http.get(url)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "5"
    time.sleep(0.35)
    assert partner_http.get(url).status_code == 200


def test_latency_is_added_to_every_answer(connec_sandbox, connec_http):
    connec_sandbox.state.faults.set(latency_s=0.1)
    started = time.monotonic()
    connec_http.get(f"{connec_sandbox.url}/api/v2/{GROUP_ID}/people")
    assert time.monotonic() - started >= 0.1


def test_a_dropped_connection_after_a_write_keeps_the_write(connec_sandbox, connec_http):
    connec_sandbox.state.faults.set(drop_after_write_rate=1.0)
    body = {
        "people": {"id": [{"id": "c_1", "provider": "demoapp", "realm": "a"}], "first_name": "Ann"}
    }
    with pytest.raises(requests.ConnectionError):
        connec_http.post(f"{connec_sandbox.url}/api/v2/{GROUP_ID}/people", json=body)
    assert [p["first_name"] for p in connec_sandbox.state.records(GROUP_ID, "people")] == ["Ann"]
    assert connec_sandbox.state.request_log.entries()[-1]["fault"] == "dropped_after_write"
    connec_sandbox.state.faults.reset()
    again = connec_http.post(f"{connec_sandbox.url}/api/v2/{GROUP_ID}/people", json=body)
    assert again.status_code == 200  # the retry is an upsert: nothing duplicated


def test_the_partner_drops_connections_after_writes_too(partner_sandbox, partner_http):
    partner_sandbox.state.faults.set(drop_after_write_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        partner_http.post(
            f"{partner_sandbox.url}/v1/accounts/{ACCOUNT}/products", json={"name": "W"}
        )
    assert len(partner_sandbox.state.records(ACCOUNT, "products")) == 1
    assert (
        partner_http.get(f"{partner_sandbox.url}/v1/accounts/{ACCOUNT}/products").status_code == 200
    )


def test_webhook_deliveries_can_be_duplicated(partner_sandbox, receiver):
    partner_sandbox.state.faults.set(webhook_duplicate_rate=1.0)
    partner_sandbox.state.subscribe(receiver.url, WEBHOOK_SECRET)
    partner_sandbox.state.user_create(ACCOUNT, "companies", {"name": "Doe"})
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body


def test_webhook_deliveries_can_be_reordered(connec_sandbox, receiver):
    state = connec_sandbox.state
    state.subscribe_receiver(receiver.url)
    state.faults.set(webhook_reorder_rate=1.0, webhook_reorder_delay_s=0.4)
    state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "First"})
    time.sleep(0.1)
    state.faults.set(webhook_reorder_rate=0.0)
    state.write_as_app(GROUP_ID, "people", {"id": "p2", "first_name": "Second"})
    requests_seen = receiver.wait_for(2)
    assert [r.json()["people"][0]["first_name"] for r in requests_seen] == ["Second", "First"]


def test_knobs_are_switched_through_the_control_endpoint_and_never_fault_it(connec_sandbox):
    url = f"{connec_sandbox.url}/_sandbox/faults"
    answer = requests.put(
        url, json={"error_rate": 1.0, "throttle_s": 10, "retry_after_s": 3}, timeout=5
    )
    assert answer.status_code == 200 and answer.json()["error_rate"] == 1.0
    assert requests.get(url, timeout=5).json()["throttle_remaining_s"] > 9
    api = requests.get(
        f"{connec_sandbox.url}/api/v2/{GROUP_ID}/people", auth=("app-id", "app-key"), timeout=5
    )
    assert api.status_code == 429 and api.headers["Retry-After"] == "3"
    assert requests.put(url, json={"nonsense": 1}, timeout=5).status_code == 400
    assert requests.delete(url, timeout=5).json()["error_rate"] == 0.0
    assert connec_sandbox.state.faults.retry_after() is None


def test_rates_outside_zero_to_one_are_refused():
    with pytest.raises(ValueError):
        Faults().set(error_rate=1.5)
