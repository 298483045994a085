"""The broker contract, publishing: a batch confirmed whole, or PublishFailed naming why."""

from __future__ import annotations

import pytest

from connec_sync.broker import Broker, Message, PublishFailed
from connec_sync.naming import BACKFILL, Route
from tests.integration.broker.support import message, take_all

pytestmark = pytest.mark.timeout(30)


def test_a_confirmed_batch_is_in_its_queues_in_order_with_its_ids_and_headers(
    broker: Broker, route: Route
) -> None:
    batch = [message(route, f'{{"n": {n}}}'.encode(), **{"x-n": n}) for n in range(3)]
    batch.append(message(route, b"{}", lane=BACKFILL))
    publisher = broker.publisher()
    try:
        publisher.start()
        publisher.publish_batch(batch)
        assert publisher.is_ready()
    finally:
        publisher.close()
    live = take_all(broker, route.work_queue())
    assert [m.body for m in live] == [m.body for m in batch[:3]]
    assert [m.message_id for m in live] == [m.message_id for m in batch[:3]]
    assert [m.headers["x-n"] for m in live] == [0, 1, 2]
    assert [m.message_id for m in take_all(broker, route.work_queue(BACKFILL))] == [
        batch[3].message_id
    ]


def test_a_message_no_queue_is_bound_for_fails_its_batch_as_unroutable(
    broker: Broker, route: Route
) -> None:
    stray = Message(broker.names.work_exchange, "nobody.home", b"{}", "m-stray")
    publisher = broker.publisher()
    try:
        with pytest.raises(PublishFailed) as failed:
            publisher.publish_batch([stray])
        assert failed.value.reason == "unroutable"
        publisher.publish_batch([message(route)])  # the publisher is still usable
    finally:
        publisher.close()
    with pytest.raises(PublishFailed, match="nobody.home") as again:
        broker.publish([stray])
    assert again.value.reason == "unroutable"
    broker.publish([message(route)])
    assert broker.count(route.work_queue()).ready == 2


def test_a_closed_publisher_refuses_to_publish(broker: Broker, route: Route) -> None:
    publisher = broker.publisher()
    publisher.close()
    publisher.close()  # idempotent
    with pytest.raises(PublishFailed) as failed:
        publisher.publish_batch([message(route)])
    assert failed.value.reason == "closed"
    assert broker.count(route.work_queue()).ready == 0
