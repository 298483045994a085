"""The shared HTTP layer: Retry-After, the rate gate, error classes, latency metric."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from prometheus_client import REGISTRY

from connec_sync.clients.errors import (
    PermanentTargetError,
    RecordNotFound,
    TransientTargetError,
)
from connec_sync.clients.http import JsonSession, RateGate, parse_retry_after

pytestmark = pytest.mark.timeout(30)


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0


@pytest.mark.parametrize("value", [None, "", "soon", "-"])
def test_unreadable_retry_after_is_none(value):
    assert parse_retry_after(value) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_gate_waits_out_a_short_pause_and_raises_on_a_long_one_without_busy_looping():
    clock = FakeClock()
    gate = RateGate(max_wait_s=3, clock=clock, sleep=clock.sleep)
    gate.pause(("partner", "acct-1"), 2)
    gate.wait(("partner", "acct-1"))
    assert clock.slept == [2]
    gate.pause(("partner", "acct-1"), 10)
    with pytest.raises(TransientTargetError) as raised:
        gate.wait(("partner", "acct-1"))
    assert raised.value.status == 429
    assert raised.value.retry_after == pytest.approx(10)
    assert clock.slept == [2]


def test_gate_pauses_only_its_own_target_and_account():
    clock = FakeClock()
    gate = RateGate(clock=clock, sleep=clock.sleep)
    gate.pause(("partner", "acct-1"), 60)
    gate.wait(("partner", "acct-2"))
    gate.wait(("connec", "acct-1"))
    assert clock.slept == []


def test_after_a_pause_one_request_probes_and_the_others_wait_for_its_answer():
    gate, key = RateGate(max_wait_s=5), ("partner", "acct-1")
    gate.pause(key, 0.3)
    paused_at, passed, probes = time.monotonic(), [], []
    answer = threading.Event()

    def request() -> None:
        probe = gate.wait(key)
        passed.append(time.monotonic() - paused_at)
        if probe:
            probes.append(passed[-1])
            answer.wait(5)
            gate.answered(key)

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.6)  # the pause is over: the probe is out, its answer not yet in
    assert len(probes) == 1 and len(passed) == 1
    answered_at = time.monotonic() - paused_at
    answer.set()
    for thread in threads:
        thread.join(5)
    assert len(passed) == 4
    assert probes[0] >= 0.3
    assert min(passed[1:]) >= answered_at


def test_a_probe_answered_429_pauses_the_waiting_requests_again():
    clock = FakeClock()
    gate, key = RateGate(max_wait_s=3, clock=clock, sleep=clock.sleep), ("partner", "acct-1")
    gate.pause(key, 1)
    assert gate.wait(key) is True  # after 1 s: the probe
    gate.pause(key, 2)  # its answer: 429 again
    gate.answered(key)
    assert gate.wait(key) is True  # the next request waited the new pause out, and probes
    assert clock.slept == [1, 2]
    gate.answered(key)
    assert gate.wait(key) is False  # no pause: no probe


def test_a_shorter_pause_does_not_shorten_a_longer_one():
    clock = FakeClock()
    gate = RateGate(clock=clock, sleep=clock.sleep)
    gate.pause(("connec", "cld-1"), 30)
    gate.pause(("connec", "cld-1"), 1)
    assert gate.remaining(("connec", "cld-1")) == 30


@pytest.fixture
def session(gate, closing):
    """A JsonSession factory (target `partner`) whose sessions close before the target stops."""
    return lambda timeout_s=5.0: closing(JsonSession("partner", timeout_s, gate))


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_transient_and_keeps_retry_after(target, session, status):
    target.answer(status, {"error": "down"}, {"Retry-After": "7"})
    with pytest.raises(TransientTargetError) as raised:
        session().request("GET", f"{target.url}/x", account="a")
    assert (raised.value.status, raised.value.retry_after) == (status, 7)


@pytest.mark.parametrize("status", [400, 401, 409, 422])
def test_other_4xx_are_permanent_with_the_body(target, session, status):
    target.answer(status, {"error": {"code": "invalid"}})
    with pytest.raises(PermanentTargetError) as raised:
        session().request("POST", f"{target.url}/x", account="a", json={})
    assert raised.value.status == status
    assert '"invalid"' in raised.value.body
    assert not isinstance(raised.value, RecordNotFound)


def test_404_is_record_not_found(target, session):
    target.answer(404, {"error": "nope"})
    with pytest.raises(RecordNotFound):
        session().request("GET", f"{target.url}/x", account="a")


def test_a_slow_answer_is_a_transient_timeout(target, session):
    target.answer(200, {}, delay_s=1.0)
    with pytest.raises(TransientTargetError) as raised:
        session(timeout_s=0.2).request("GET", f"{target.url}/x", account="a")
    assert raised.value.status is None
    assert "timed out" in raised.value.detail


def test_a_refused_connection_is_transient(session):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientTargetError) as raised:
        session().request("GET", f"http://127.0.0.1:{port}/x", account="a")
    assert "connection failed" in raised.value.detail


def test_a_429_holds_back_the_next_request_until_retry_after_has_passed(target, session):
    target.answer(429, {"error": "slow down"}, {"Retry-After": "1"})
    session = session()
    with pytest.raises(TransientTargetError) as raised:
        session.request("GET", f"{target.url}/x", account="a")
    assert raised.value.retry_after == 1
    session.request("GET", f"{target.url}/x", account="a")
    first, second = target.requests
    assert second.at - first.at >= 0.95


def test_a_long_retry_after_makes_later_requests_fail_without_being_sent(target, session):
    target.answer(429, None, {"Retry-After": "30"})
    session = session()
    with pytest.raises(TransientTargetError):
        session.request("GET", f"{target.url}/x", account="a")
    with pytest.raises(TransientTargetError) as raised:
        session.request("POST", f"{target.url}/y", account="a", json={})
    assert raised.value.retry_after == pytest.approx(30, abs=1)
    assert len(target.requests) == 1
    session.request("GET", f"{target.url}/z", account="other-account")
    assert len(target.requests) == 2


def test_request_latency_is_observed_by_target_and_status(target, session):
    labels = {"target": "partner", "status": "201"}
    before = REGISTRY.get_sample_value("connec_sync_target_request_seconds_count", labels) or 0
    target.answer(201, {"id": "1"})
    answer = session().request("POST", f"{target.url}/x", account="a", json={})
    assert (answer.status, answer.body) == (201, {"id": "1"})
    after = REGISTRY.get_sample_value("connec_sync_target_request_seconds_count", labels)
    assert after == before + 1
