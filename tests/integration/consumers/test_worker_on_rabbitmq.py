"""The consumer runtime on RabbitMQ 3.10: retry tiers, dead letters, the delivery limit, lanes,
replicas, graceful stop of a real process, and a lost connection."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from connec_sync.broker.headers import is_delivery_limit
from connec_sync.clients.errors import TransientTargetError
from connec_sync.naming import BACKFILL
from consumers.outcomes import Applied, Rejected
from tests.integration.broker.support import through
from tests.unit.consumers.support import (
    FakePipeline,
    envelope_for,
    publish,
    ready_count,
    running,
    take_all,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
ROOT = Path(__file__).resolve().parents[3]


def _dead_letters(settings, route, timeout_s=15.0):
    return wait_for(lambda: take_all(settings, route.dead_letter_queue), timeout_s, "a dead letter")


def test_a_transient_failure_goes_through_a_retry_tier_and_comes_back_with_one_more_attempt(
    broker_settings, route
):
    def flaky(envelope):
        if envelope.attempts == 0:
            raise TransientTargetError(503, None, "unavailable")
        return Applied()

    pipeline = FakePipeline(flaky)
    with running(broker_settings, {route: pipeline}):
        publish(broker_settings, route, envelope_for(route, "r1"))
        wait_for(lambda: len(pipeline.calls) == 2)
    assert [call.attempts for call in pipeline.calls] == [0, 1]
    assert pipeline.times[1] - pipeline.times[0] >= 0.9  # the 1 s tier's TTL
    retried = pipeline.calls[1]
    assert retried.message_id == pipeline.calls[0].message_id
    assert ready_count(broker_settings, route.retry_queue(1)) == 0


def test_exhausting_the_retry_budget_dead_letters_with_reason_attempts_and_times(
    broker_settings, route
):
    settings = dataclasses.replace(broker_settings, max_attempts=2)

    def down(envelope):
        raise TransientTargetError(None, None, "connection refused")

    pipeline = FakePipeline(down)
    envelope = envelope_for(route, "r1")
    with running(settings, {route: pipeline}):
        publish(settings, route, envelope)
        (dead,) = _dead_letters(settings, route)
    headers = dead.headers
    assert (headers["x-reason"], headers["x-attempts"]) == ("retries_exhausted", 2)
    assert headers["x-first-failure"] < headers["x-last-failure"]
    assert "connection refused" in headers["x-error"]
    assert json.loads(dead.body) == envelope.next_attempt().to_json()
    assert not is_delivery_limit(headers)


def test_an_invalid_record_is_dead_lettered_at_once_while_the_next_one_applies(
    broker_settings, route
):
    def validate(envelope):
        if envelope.record["id"] == "bad":
            raise Rejected("invalid", "first_name: required")
        return Applied()

    pipeline = FakePipeline(validate)
    with running(broker_settings, {route: pipeline}):
        publish(broker_settings, route, envelope_for(route, "bad"))
        publish(broker_settings, route, envelope_for(route, "good"))
        (dead,) = _dead_letters(broker_settings, route)
        wait_for(lambda: len(pipeline.calls) == 2)
    assert sorted(pipeline.record_ids()) == ["bad", "good"]  # on two applying threads
    assert (dead.headers["x-reason"], dead.headers["x-attempts"]) == ("invalid", 1)
    assert ready_count(broker_settings, route.work_queue()) == 0


def test_an_unexpected_exception_is_redelivered_then_dead_lettered_by_the_delivery_limit(
    broker_settings, route
):
    def crashing(envelope):
        raise KeyError("lines")

    pipeline = FakePipeline(crashing)
    with running(broker_settings, {route: pipeline}):
        publish(broker_settings, route, envelope_for(route, "r1"))
        (dead,) = _dead_letters(broker_settings, route)
    assert len(pipeline.calls) == broker_settings.delivery_limit + 1
    assert "x-reason" not in dead.headers
    assert is_delivery_limit(dead.headers)


def test_live_records_are_served_before_backfill_records_already_received(broker_settings, route):
    first_started = threading.Event()

    def slow(envelope):
        first_started.set()
        time.sleep(0.2)
        return Applied()

    pipeline = FakePipeline(slow)
    settings = dataclasses.replace(broker_settings, concurrency=1)  # the order is the test
    for n in range(6):
        publish(settings, route, envelope_for(route, f"b{n}"), lane=BACKFILL)
    with running(settings, {route: pipeline}):
        assert first_started.wait(5)
        publish(settings, route, envelope_for(route, "l0"))
        publish(settings, route, envelope_for(route, "l1"))
        wait_for(lambda: len(pipeline.calls) == 8)
    order = pipeline.record_ids()
    assert order[0] == "b0"
    assert order[1:3] == ["l0", "l1"]


def test_replicas_share_the_work_and_apply_each_record_once(broker_settings, route):
    settings = dataclasses.replace(broker_settings, prefetch=2)

    def slowish(envelope):
        time.sleep(0.02)
        return Applied()

    one, two = FakePipeline(slowish), FakePipeline(slowish)
    with running(settings, {route: one}), running(settings, {route: two}):
        for n in range(30):
            publish(settings, route, envelope_for(route, f"r{n}"))
        wait_for(lambda: len(one.calls) + len(two.calls) == 30)
    assert one.calls and two.calls
    assert sorted(one.record_ids() + two.record_ids()) == sorted(f"r{n}" for n in range(30))


def test_sigterm_with_work_in_flight_finishes_and_acks_it_and_exits_within_ten_seconds(
    broker_settings, route, tmp_path, spawn
):
    journal = tmp_path / "journal"
    for n in range(3):
        publish(broker_settings, route, envelope_for(route, f"r{n}"))
    command = [sys.executable, "-m", "tests.integration.consumers.worker_process"]
    command += [broker_settings.url, broker_settings.namespace, str(journal), "1.0"]
    process = spawn(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_for(lambda: journal.exists() and "started r0" in journal.read_text(), 15)
    stopped_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)  # the spawn fixture kills it if this times out
    assert time.monotonic() - stopped_at < 10
    assert process.returncode == 0, output.decode()
    lines = journal.read_text().split("\n")
    assert sorted(line for line in lines if line.startswith("applied")) == [
        f"applied r{n}" for n in range(3)
    ]
    assert ready_count(broker_settings, route.work_queue()) == 0


def test_a_lost_connection_is_reestablished_and_consuming_resumes(broker_settings, route, proxy):
    pipeline = FakePipeline()
    proxied = through(broker_settings, proxy)
    with capture_logs() as logs, running(proxied, {route: pipeline}) as worker:
        publish(broker_settings, route, envelope_for(route, "before"))
        wait_for(lambda: any(e["event"] == "record_applied" for e in logs))  # settled: acked
        proxy.set_mode("reset")  # the connection is cut, and reconnecting fails for a while
        wait_for(lambda: any(e["event"] == "broker_connection_lost" for e in logs))
        wait_for(lambda: any(e["event"] == "broker_unreachable" for e in logs))
        proxy.set_mode("pass")
        wait_for(worker.ready.is_set, 15)
        publish(broker_settings, route, envelope_for(route, "after"))
        wait_for(lambda: len(pipeline.calls) == 2, 15)
    assert pipeline.record_ids() == ["before", "after"]
