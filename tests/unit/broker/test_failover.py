"""Choosing a node of a cluster and pausing between attempts: shuffled, every node in turn,
doubling pauses with jitter; and what the publisher keeps when its connection is lost."""

from __future__ import annotations

import random

import pytest

from connec_sync.broker import Message, failover
from connec_sync.broker.rabbitmq.batches import Batch, InFlight

NODES = ["amqp://a:1/v", "amqp://b:2/v", "amqp://c:3/v"]


def test_a_rotation_visits_every_node_in_turn_from_a_shuffled_order() -> None:
    rotation = failover.NodeRotation(NODES)
    first_round = [rotation.next() for _ in NODES]
    assert sorted(first_round) == sorted(NODES)
    assert [rotation.next() for _ in NODES] == first_round


def test_clients_start_on_different_nodes() -> None:
    random.seed(17)
    firsts = {failover.NodeRotation(NODES).next() for _ in range(60)}
    assert firsts == set(NODES)


def test_a_rotation_needs_a_node() -> None:
    with pytest.raises(ValueError, match="no broker node"):
        failover.NodeRotation([])


def test_pauses_double_up_to_the_ceiling_with_jitter_and_start_over_on_reset() -> None:
    backoff = failover.Backoff(0.2, 5.0)
    pauses = [backoff.pause() for _ in range(8)]
    ceilings = [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    assert all(ceiling / 2 <= p <= ceiling for p, ceiling in zip(pauses, ceilings, strict=True))
    assert len(set(pauses)) == len(pauses)  # jittered: no two clients in step
    backoff.reset()
    assert 0.1 <= backoff.pause() <= 0.2


def test_a_node_is_named_without_its_password() -> None:
    assert failover.node_of("amqp://user:hunter2@rabbit-1:5673/v") == "rabbit-1:5673"
    assert failover.node_of("amqp://rabbit-2/v") == "rabbit-2:5672"


def message(n: int) -> Message:
    return Message("x", "k", b"{}", f"m{n}")


def test_unconfirmed_messages_are_held_in_order_for_the_next_connection() -> None:
    in_flight, first, second = InFlight(), Batch(2), Batch(1)
    for batch, n in ((first, 1), (second, 2), (first, 3)):
        in_flight.add(batch, message(n))
    assert in_flight.settle(1, multiple=False) == [first]
    first.confirmed()
    in_flight.hold()
    in_flight.new_channel()
    held = in_flight.take_held()
    assert [(batch, [m.message_id for m in messages]) for batch, messages in held] == [
        (second, ["m2"]),
        (first, ["m3"]),
    ]
    assert in_flight.take_held() == []
    assert first.outstanding == 1  # still waits for m3's confirm on the next connection


def test_a_batch_that_already_failed_is_not_published_again() -> None:
    in_flight, timed_out, waiting = InFlight(), Batch(1), Batch(1)
    in_flight.add(timed_out, message(1))
    in_flight.hold()
    in_flight.hold_new(waiting, [message(2)])
    timed_out.fail("timeout", "no confirm")
    assert [batch for batch, _ in in_flight.take_held()] == [waiting]


def test_failing_everything_fails_the_held_batches_too() -> None:
    in_flight, held, pending = InFlight(), Batch(1), Batch(1)
    in_flight.add(held, message(1))
    in_flight.hold()
    in_flight.add(pending, message(2))
    in_flight.fail_all("closed", "the publisher was closed")
    assert held.error is not None and held.error.reason == "closed"
    assert pending.error is not None and pending.error.reason == "closed"
    assert in_flight.take_held() == []
