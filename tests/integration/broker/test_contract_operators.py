"""The broker contract, what operators use: counts, taking messages one by one with manual
acks, purging, deleting, declaring."""

from __future__ import annotations

import pytest

from connec_sync.broker import Broker, Consumer, TakenMessage
from connec_sync.broker.setup import queue_specs
from connec_sync.naming import Route
from sandboxes.testing import wait_until
from tests.integration.broker.support import message, open_consumer, receive, take_all
from tests.services import TEST_ENTITIES

pytestmark = pytest.mark.timeout(30)


def test_declaring_is_idempotent_and_makes_every_queue(broker: Broker) -> None:
    specs = queue_specs(broker.settings, TEST_ENTITIES)
    assert broker.declare() == len(specs)
    assert all(broker.count(spec.name).exists for spec in specs)


def test_take_acks_each_message_only_once_it_is_kept(broker: Broker, route: Route) -> None:
    broker.publish([message(route, f"{n}".encode()) for n in range(3)])
    kept: list[TakenMessage] = []

    def keep_one(taken: TakenMessage) -> None:
        if kept:
            raise RuntimeError("the store is down")
        kept.append(taken)

    with pytest.raises(RuntimeError):
        broker.take(route.work_queue(), keep_one, 10)
    assert [m.body for m in kept] == [b"0"]
    # RabbitMQ applies a quorum queue's reject asynchronously: the count follows a moment later
    assert wait_until(lambda: broker.count(route.work_queue()).ready == 2, timeout_s=5)
    assert broker.take(route.work_queue(), kept.append, 1) == 1
    assert [m.body for m in take_all(broker, route.work_queue())] == [b"2"]
    assert [m.body for m in kept] == [b"0", b"1"]


def test_taking_from_a_missing_queue_gives_nothing(broker: Broker) -> None:
    assert broker.take(f"{broker.settings.namespace}.no-such-queue", print, 10) == 0


def test_purge_empties_queues_and_delete_removes_them(broker: Broker, route: Route) -> None:
    broker.publish([message(route) for _ in range(3)])
    assert broker.purge([route.work_queue(), f"{broker.settings.namespace}.missing"]) == 3
    assert broker.count(route.work_queue()).ready == 0
    broker.delete_queues([route.work_queue(), f"{broker.settings.namespace}.missing"])
    gone = broker.count(route.work_queue())
    assert (gone.exists, gone.ready, gone.consumers) == (False, None, None)
    broker.declare()
    assert broker.count(route.work_queue()).exists


def test_unacked_counts_tell_the_deliveries_a_consumer_holds_when_known(
    broker: Broker, route: Route, consumers: list[Consumer]
) -> None:
    """RabbitMQ tells them through rabbitmqctl or the management API, when either is at hand
    (None otherwise), a moment late; the in-memory broker always."""
    broker.publish([message(route) for _ in range(2)])
    consumer = open_consumer(broker, [route], consumers)
    receive(consumer, 2)

    def held() -> int | None:
        counts = broker.unacked_counts()
        return None if counts is None else counts.get(route.work_queue())

    assert wait_until(lambda: held() in (None, 2), timeout_s=15)
    assert broker.count(route.work_queue()).ready == 0
