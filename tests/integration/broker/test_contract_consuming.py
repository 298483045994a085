"""The broker contract, consuming: deliveries, acks, requeues and the delivery limit, lanes,
prefetch, cancel and close."""

from __future__ import annotations

import threading

import pytest

from connec_sync.broker import Broker, Consumer
from connec_sync.broker.headers import DEATHS, is_delivery_limit
from connec_sync.naming import BACKFILL, LIVE, Route
from sandboxes.testing import wait_until
from tests.integration.broker.support import (
    message,
    next_delivery,
    nothing_arrives,
    open_consumer,
    receive,
    take_all,
)

pytestmark = pytest.mark.timeout(30)


def test_a_delivery_carries_its_message_route_and_lane_and_an_ack_forgets_it(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    sent = message(route, b'{"a": 1}', lane=BACKFILL, **{"x-note": "hello"})
    broker.publish([sent])
    consumer = open_consumer(broker, [route], consumers)
    delivery = next_delivery(consumer)
    assert (delivery.route, delivery.lane) == (route, BACKFILL)
    assert (delivery.body, delivery.message_id) == (b'{"a": 1}', sent.message_id)
    assert delivery.headers["x-note"] == "hello"
    assert not delivery.redelivered
    assert broker.count(route.work_queue(BACKFILL)).consumers == 1
    delivery.ack()
    consumer.close()
    assert broker.count(route.work_queue(BACKFILL)).ready == 0


def test_a_requeued_message_comes_back_redelivered_until_the_delivery_limit_dead_letters_it(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    sent = message(route, b'{"poison": true}')
    broker.publish([sent])
    consumer = open_consumer(broker, [route], consumers)
    seen = []
    for _ in range(broker.settings.delivery_limit + 1):
        delivery = next_delivery(consumer)
        seen.append(delivery.redelivered)
        delivery.requeue()
    assert seen == [False] + [True] * broker.settings.delivery_limit
    assert nothing_arrives(consumer)
    (dead,) = take_all(broker, route.dead_letter_queue)
    assert (dead.body, dead.message_id) == (sent.body, sent.message_id)
    assert is_delivery_limit(dead.headers)
    assert dead.headers[DEATHS][0]["queue"] == route.work_queue()


def test_live_deliveries_are_taken_before_backfill_ones_already_received(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    broker.publish([message(route, f"b{n}".encode(), lane=BACKFILL) for n in range(3)])
    broker.publish([message(route, f"l{n}".encode()) for n in range(2)])
    consumer = open_consumer(broker, [route], consumers)
    receive(consumer, 5)
    order = []
    while (delivery := consumer.take()) is not None:
        order.append(delivery.body)
        delivery.ack()
    assert order == [b"l0", b"l1", b"b0", b"b1", b"b2"]


def test_a_consumer_holds_at_most_prefetch_unacked_deliveries_per_queue(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    broker.publish([message(route, f"{n}".encode()) for n in range(5)])
    consumer = open_consumer(broker, [route], consumers, prefetch=2)
    receive(consumer, 2)
    assert nothing_arrives(consumer, 0.3) is False and len(consumer) == 2
    first = consumer.take()
    assert first is not None
    first.ack()
    receive(consumer, 2)
    consumer.receive(0.3)
    assert len(consumer) == 2
    assert broker.count(route.work_queue()).ready == 2


def test_replicas_share_a_queue_and_each_message_goes_to_one(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    one = open_consumer(broker, [route], consumers, prefetch=1)
    two = open_consumer(broker, [route], consumers, prefetch=1)
    broker.publish([message(route, f"{n}".encode()) for n in range(2)])
    first, second = next_delivery(one), next_delivery(two)
    assert {first.body, second.body} == {b"0", b"1"}
    first.ack()
    second.ack()


def test_a_cancelled_consumer_takes_nothing_new_and_still_settles_what_it_received(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    consumer = open_consumer(broker, [route], consumers)
    broker.publish([message(route, b"before")])
    delivery = next_delivery(consumer)
    consumer.cancel()
    broker.publish([message(route, b"after")])
    assert nothing_arrives(consumer)
    delivery.ack()
    # a quorum queue's consumer count lags a moment behind the cancel
    assert wait_until(lambda: broker.count(route.work_queue()).consumers == 0, timeout_s=5)
    assert [m.body for m in take_all(broker, route.work_queue())] == [b"after"]


def test_closing_a_consumer_gives_its_unacked_deliveries_back_redelivered(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    broker.publish([message(route, b"held"), message(route, b"waiting")])
    first = open_consumer(broker, [route], consumers)
    receive(first, 2)
    held = first.take()
    assert held is not None and held.body == b"held"
    assert first.forget() == 1  # "waiting", received and not taken
    first.close()
    second = open_consumer(broker, [route], consumers)
    again = next_delivery(second)
    assert (again.body, again.redelivered, again.lane) == (b"held", True, LIVE)
    again.ack()
    assert next_delivery(second).body == b"waiting"


def test_a_wake_from_another_thread_ends_a_receive_and_a_wake_before_one_ends_the_next(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    consumer = open_consumer(broker, [route], consumers)
    waker = threading.Timer(0.2, consumer.wake)
    waker.start()
    consumer.receive(60.0)  # the test's timeout is 30 s: only the wake ends it in time
    waker.join()
    consumer.wake()
    consumer.receive(60.0)
    assert len(consumer) == 0
    broker.publish([message(route, b"after")])
    assert next_delivery(consumer).body == b"after"


def test_a_wake_of_a_closed_consumer_does_nothing(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    consumer = open_consumer(broker, [route], consumers)
    consumer.close()
    consumer.wake()
