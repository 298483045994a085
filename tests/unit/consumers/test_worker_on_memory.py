"""The consumer runtime on memory://: every outcome, the retry tiers, lanes, stop."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from connec_sync.broker import declare_all
from connec_sync.broker.headers import is_delivery_limit
from connec_sync.clients.errors import PermanentTargetError, TransientTargetError
from connec_sync.naming import BACKFILL
from consumers.outcomes import Applied, Deferred, Rejected, Skip
from tests.services import TEST_ENTITIES
from tests.unit.consumers.support import (
    FakePipeline,
    envelope_for,
    publish,
    ready_count,
    running,
    take_all,
    wait_for,
)

pytestmark = pytest.mark.timeout(30)


def _events(logs: list[dict], name: str) -> list[dict]:
    return [entry for entry in logs if entry["event"] == name]


def _dead_letters(settings, route) -> list:
    return wait_for(lambda: take_all(settings, route.dead_letter_queue), what="a dead letter")


def test_an_applied_record_is_acked_and_logged_once_with_its_facts(memory_settings, route):
    pipeline = FakePipeline()
    envelope = envelope_for(route, "r1")
    with capture_logs() as logs, running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, envelope)
        wait_for(lambda: _events(logs, "record_applied"), what="record_applied")
    (line,) = _events(logs, "record_applied")
    assert line["message_id"] == envelope.message_id
    assert (line["entity"], line["direction"], line["lane"]) == ("people", "to-app", "live")
    assert (line["group_id"], line["record_id"], line["app_id"]) == ("cld-1", "r1", "a-r1")
    assert (line["outcome"], line["reason"], line["attempts"]) == ("applied", None, 1)
    assert line["duration_ms"] >= 0
    assert ready_count(memory_settings, route.work_queue()) == 0


def test_the_fields_dropped_from_an_applied_record_are_in_its_line_and_counted(
    memory_settings, route
):
    said = [{"field": "lines.1.quantity", "reason": "Not a valid number."}]
    pipeline = FakePipeline(lambda envelope: Applied({"dropped_fields": said}))
    labels = {"entity": "people", "direction": "to-app", "field": "lines.quantity"}
    before = REGISTRY.get_sample_value("connec_sync_fields_dropped_total", labels) or 0
    with capture_logs() as logs, running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        wait_for(lambda: _events(logs, "record_applied"), what="record_applied")
    (line,) = _events(logs, "record_applied")
    assert line["dropped_fields"] == said and line["outcome"] == "applied"
    assert REGISTRY.get_sample_value("connec_sync_fields_dropped_total", labels) == before + 1


def test_a_skip_raised_anywhere_acks_the_message_and_counts_its_reason(memory_settings, route):
    def stale(envelope):
        raise Skip("stale")

    labels = {"entity": "people", "direction": "to-app", "reason": "stale"}
    before = REGISTRY.get_sample_value("connec_sync_records_skipped_total", labels) or 0
    with capture_logs() as logs, running(memory_settings, {route: FakePipeline(stale)}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        wait_for(lambda: _events(logs, "record_skipped"))
    assert _events(logs, "record_skipped")[0]["reason"] == "stale"
    assert REGISTRY.get_sample_value("connec_sync_records_skipped_total", labels) == before + 1


def test_an_invalid_record_is_dead_lettered_at_once_while_the_next_one_applies(
    memory_settings, route
):
    def validate(envelope):
        if envelope.record["id"] == "bad":
            raise Rejected("invalid", "{'first_name': ['required']}")
        return Applied()

    pipeline = FakePipeline(validate)
    bad = envelope_for(route, "bad")
    with running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, bad)
        publish(memory_settings, route, envelope_for(route, "good"))
        wait_for(lambda: len(pipeline.calls) == 2)
        (dead,) = _dead_letters(memory_settings, route)
    assert sorted(pipeline.record_ids()) == ["bad", "good"]  # on two applying threads
    assert json.loads(dead.body) == bad.to_json()
    assert dead.headers["x-reason"] == "invalid"
    assert dead.headers["x-error"] == "{'first_name': ['required']}"
    assert dead.headers["x-attempts"] == 1
    assert dead.headers["x-first-failure"] == dead.headers["x-last-failure"]


def test_a_permanent_target_error_is_dead_lettered_with_the_response_body(memory_settings, route):
    def refused(envelope):
        raise PermanentTargetError(422, '{"error": {"code": "invalid"}}')

    with running(memory_settings, {route: FakePipeline(refused)}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        (dead,) = _dead_letters(memory_settings, route)
    assert dead.headers["x-reason"] == "permanent_error"
    assert dead.headers["x-error"] == '422 {"error": {"code": "invalid"}}'


def test_a_transient_failure_waits_a_delay_tier_and_comes_back_with_one_more_attempt(
    memory_settings, route
):
    def flaky(envelope):
        if envelope.attempts == 0:
            raise TransientTargetError(503, None, "unavailable")
        return Applied()

    pipeline = FakePipeline(flaky)
    with capture_logs() as logs, running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        wait_for(lambda: _events(logs, "record_applied"))
    assert [call.attempts for call in pipeline.calls] == [0, 1]
    (retried,) = _events(logs, "record_retried")
    assert (retried["reason"], retried["retry_in_s"]) == ("transient_error", 1)
    assert pipeline.times[1] - pipeline.times[0] >= 0.95


def test_retry_after_longer_than_the_backoff_picks_a_longer_tier(memory_settings, route):
    def limited(envelope):
        raise TransientTargetError(429, 1.5, "slow down")

    with capture_logs() as logs, running(memory_settings, {route: FakePipeline(limited)}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        wait_for(lambda: _events(logs, "record_retried"))
    assert _events(logs, "record_retried")[0]["retry_in_s"] == 2


def test_an_exhausted_retry_budget_dead_letters_with_attempts_and_failure_times(
    memory_settings, route
):
    def down(envelope):
        raise TransientTargetError(None, None, "connection refused")

    pipeline = FakePipeline(down)
    with running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        (dead,) = wait_for(lambda: take_all(memory_settings, route.dead_letter_queue), 15)
    assert [call.attempts for call in pipeline.calls] == [0, 1, 2]
    assert dead.headers["x-reason"] == "retries_exhausted"
    assert dead.headers["x-attempts"] == memory_settings.max_attempts == 3
    assert dead.headers["x-first-failure"] < dead.headers["x-last-failure"]
    assert "connection refused" in dead.headers["x-error"]
    assert json.loads(dead.body)["attempts"] == 2


def test_a_missing_reference_is_retried_then_dead_lettered_with_that_reason(memory_settings, route):
    def unlinked(envelope):
        raise Deferred("missing_reference", "organization org-7 is not linked")

    with running(memory_settings, {route: FakePipeline(unlinked)}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        (dead,) = wait_for(lambda: take_all(memory_settings, route.dead_letter_queue), 15)
    assert dead.headers["x-reason"] == "missing_reference"
    assert dead.headers["x-error"] == "organization org-7 is not linked"


def test_an_unexpected_exception_is_logged_with_its_traceback_and_bounded_by_the_delivery_limit(
    memory_settings, route
):
    def crashing(envelope):
        raise KeyError("lines")

    pipeline = FakePipeline(crashing)
    with capture_logs() as logs, running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        (dead,) = _dead_letters(memory_settings, route)
    assert len(pipeline.calls) == memory_settings.delivery_limit + 1
    retried = _events(logs, "record_retried")
    assert {line["reason"] for line in retried} == {"unexpected_error"}
    assert all(isinstance(line["exc_info"], KeyError) for line in retried)
    assert is_delivery_limit(dead.headers)  # by the broker, as a quorum queue does


def test_an_undecodable_body_is_dead_lettered_as_it_came(memory_settings, route):
    pipeline = FakePipeline()
    with running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, b"{not json")
        (dead,) = _dead_letters(memory_settings, route)
    assert dead.body == b"{not json"
    assert dead.headers["x-reason"] == "undecodable"
    assert pipeline.calls == []


def test_an_envelope_for_another_entity_is_not_handed_to_this_pipeline(memory_settings, route):
    pipeline = FakePipeline()
    stray = replace(envelope_for(route, "r1"), entity="items")
    with running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, stray)
        (dead,) = _dead_letters(memory_settings, route)
    assert "items to-app" in dead.headers["x-error"]
    assert pipeline.calls == []


def test_live_records_are_served_before_waiting_backfill_records(memory_settings, route):
    pipeline = FakePipeline()
    settings = replace(memory_settings, concurrency=1)  # one at a time: the order is the test
    declare_all(settings, TEST_ENTITIES)
    for n in range(4):
        publish(settings, route, envelope_for(route, f"b{n}"), lane=BACKFILL)
    for n in range(3):
        publish(settings, route, envelope_for(route, f"l{n}"))
    with running(settings, {route: pipeline}):
        wait_for(lambda: len(pipeline.calls) == 7)
    assert pipeline.record_ids()[:3] == ["l0", "l1", "l2"]


def test_a_stop_finishes_and_acks_the_messages_already_received(memory_settings, route):
    started = threading.Event()

    def slow(envelope):
        started.set()
        time.sleep(0.3)
        return Applied()

    pipeline = FakePipeline(slow)
    with running(memory_settings, {route: pipeline}) as worker:
        for n in range(3):
            publish(memory_settings, route, envelope_for(route, f"r{n}"))
        assert started.wait(5)
        worker.stop()
    assert sorted(pipeline.record_ids()) == ["r0", "r1", "r2"]
    assert ready_count(memory_settings, route.work_queue()) == 0


def test_applying_observes_the_lag_from_the_source_change_and_from_receipt(memory_settings, route):
    labels = {"entity": "people", "direction": "to-app", "since": "source_change"}
    count = "connec_sync_apply_lag_seconds_count"
    before = REGISTRY.get_sample_value(count, labels) or 0
    receipt = REGISTRY.get_sample_value(count, {**labels, "since": "receipt"}) or 0
    pipeline = FakePipeline()
    with running(memory_settings, {route: pipeline}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        wait_for(lambda: pipeline.calls)
        wait_for(lambda: (REGISTRY.get_sample_value(count, labels) or 0) > before)
    assert REGISTRY.get_sample_value(count, {**labels, "since": "receipt"}) == receipt + 1
