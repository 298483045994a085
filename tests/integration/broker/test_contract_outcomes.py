"""The broker contract, a delivery's outcomes: retry_later comes back after the delay with its
new body and headers; dead_letter keeps the message with why; each then acks."""

from __future__ import annotations

import time

import pytest

from connec_sync.broker import Broker, Consumer
from connec_sync.naming import BACKFILL, LIVE, Route
from tests.integration.broker.support import (
    message,
    next_delivery,
    nothing_arrives,
    open_consumer,
    take_all,
)

pytestmark = pytest.mark.timeout(30)


def test_retry_later_brings_the_new_body_back_to_the_live_lane_after_the_delay(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    sent = message(route, b'{"attempts": 0}', lane=BACKFILL)
    broker.publish([sent])
    consumer = open_consumer(broker, [route], consumers)
    delivery = next_delivery(consumer)
    retried_at = time.monotonic()
    delivery.retry_later(1, "transient_error", "503 unavailable", b'{"attempts": 1}')
    back = next_delivery(consumer, timeout_s=10)
    assert time.monotonic() - retried_at >= 0.9  # the 1 s tier
    assert (back.body, back.message_id, back.lane) == (b'{"attempts": 1}', sent.message_id, LIVE)
    headers = back.headers
    assert (headers["x-retry-reason"], headers["x-retry-error"]) == (
        "transient_error",
        "503 unavailable",
    )
    first_failure = headers["x-first-failure"]
    back.retry_later(1, "transient_error", "503 again", b'{"attempts": 2}')
    again = next_delivery(consumer, timeout_s=10)
    assert again.headers["x-first-failure"] == first_failure
    assert again.headers["x-retry-error"] == "503 again"
    again.ack()
    assert broker.count(route.retry_queue(1)).ready == 0


def test_a_retry_to_a_tier_that_does_not_exist_fails_and_leaves_the_delivery_unacked(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    broker.publish([message(route, b"{}")])
    consumer = open_consumer(broker, [route], consumers)
    delivery = next_delivery(consumer)
    with pytest.raises(Exception, match="unroutable"):
        delivery.retry_later(7, "transient_error", "503", b"{}")
    delivery.requeue()
    assert next_delivery(consumer).redelivered


def test_dead_letter_keeps_the_message_as_it_came_with_why_and_when(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    sent = message(route, b'{"bad": true}', lane=BACKFILL)
    broker.publish([sent])
    consumer = open_consumer(broker, [route], consumers)
    next_delivery(consumer).dead_letter("invalid", "first_name: required", attempts=2)
    assert nothing_arrives(consumer)
    (dead,) = take_all(broker, route.dead_letter_queue)
    assert (dead.body, dead.message_id) == (sent.body, sent.message_id)
    headers = dead.headers
    assert (headers["x-reason"], headers["x-error"]) == ("invalid", "first_name: required")
    assert (headers["x-attempts"], headers["x-lane"]) == (2, BACKFILL)
    assert headers["x-first-failure"] == headers["x-last-failure"]


def test_a_dead_letter_after_retries_keeps_the_first_failure_time(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    broker.publish([message(route, b"{}")])
    consumer = open_consumer(broker, [route], consumers)
    next_delivery(consumer).retry_later(1, "missing_reference", "org 7", b'{"attempts": 1}')
    back = next_delivery(consumer, timeout_s=10)
    back.dead_letter("missing_reference", "org 7", attempts=2)
    (dead,) = take_all(broker, route.dead_letter_queue)
    assert dead.headers["x-first-failure"] == back.headers["x-first-failure"]
    assert dead.headers["x-first-failure"] < dead.headers["x-last-failure"]
    assert dead.body == b'{"attempts": 1}'
