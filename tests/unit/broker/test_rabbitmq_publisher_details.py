"""The RabbitMQ publisher (the receiver's hot path): details the end-to-end tests would not pin
down."""

from __future__ import annotations

import threading

import pytest

from connec_sync.broker import Message, PublishFailed
from connec_sync.broker.rabbitmq.batches import Batch, InFlight
from connec_sync.broker.rabbitmq.coalescing import COALESCING
from connec_sync.broker.rabbitmq.confirms import ConfirmingPublisher


def test_a_multiple_confirm_settles_every_lower_tag_once() -> None:
    in_flight = InFlight()
    batches = [Batch(1) for _ in range(6)]
    for tag, batch in enumerate(batches, start=1):
        in_flight.add(batch, Message("ex", "people.to-app", b"{}", f"m{tag}"))
    assert in_flight.settle(2, multiple=False) == [batches[1]]
    assert in_flight.settle(4, multiple=True) == [batches[0], batches[2], batches[3]]
    assert in_flight.settle(4, multiple=True) == []
    assert in_flight.settle(6, multiple=True) == [batches[4], batches[5]]
    assert in_flight.batch_of("m5") is None
    in_flight.hold()
    assert in_flight.take_held() == []  # every message was confirmed: nothing to publish again


def test_a_batch_is_waited_for_once_and_keeps_its_first_failure() -> None:
    batch = Batch(2)
    assert not batch.wait(0.01)
    batch.fail("nacked")
    batch.fail("timeout")
    assert batch.wait(0.01) and batch.error is not None and batch.error.reason == "nacked"


def test_frames_are_coalesced_with_this_pika() -> None:
    assert COALESCING  # else every message costs three send() calls again: see coalescing.py


def test_no_confirm_and_a_stuck_io_thread_is_a_timeout_not_a_success() -> None:
    publisher = ConfirmingPublisher("amqp://guest:guest@127.0.0.1:1/%2F", confirm_timeout_s=0.05)
    publisher._thread = threading.Thread(target=lambda: None)  # an IO thread that never runs
    publisher._ready.set()
    message = Message("ex", "people.to-app", b"{}", "m1")
    with pytest.raises(PublishFailed) as failed:
        publisher.publish_batch([message])
    assert failed.value.reason == "timeout"
    publisher._ioloop.close()
