"""The in-memory broker's node on a clock of the test's own: what its queues' arguments do over
time (the contract suite, tests/integration/broker, checks the rest against RabbitMQ)."""

from __future__ import annotations

import pytest

from connec_sync.broker import Message, TakenMessage
from connec_sync.broker.headers import DEATHS
from connec_sync.broker.memory.node import Node
from connec_sync.broker.setup import names_for, queue_specs
from connec_sync.broker.topology import exchanges
from connec_sync.settings import BrokerSettings
from tests.services import TEST_ENTITIES

pytestmark = pytest.mark.timeout(10)
SETTINGS = BrokerSettings(url="memory://", namespace="clock", retry_delays_s=(10, 20))
NAMES = names_for(SETTINGS)
ROUTE = NAMES.route("people", "to-app")


@pytest.fixture
def now() -> list[float]:
    return [100.0]


@pytest.fixture
def node(now: list[float]) -> Node:
    declared = Node(clock=lambda: now[0])
    declared.declare(exchanges(NAMES), queue_specs(SETTINGS, TEST_ENTITIES))
    return declared


def take_all(node: Node, queue: str) -> list[TakenMessage]:
    taken: list[TakenMessage] = []
    node.take(queue, taken.append, 100)
    return taken


def test_messages_in_the_delay_tiers_come_back_to_the_live_lane_when_due_in_order(
    node: Node, now: list[float]
) -> None:
    node.publish(Message(NAMES.retry_exchange, ROUTE.retry_key(20), b"later", "m-later"))
    now[0] += 5
    node.publish(Message(NAMES.retry_exchange, ROUTE.retry_key(10), b"sooner", "m-sooner"))
    assert node.seconds_until_expiry() == 10.0
    now[0] += 9.9
    assert take_all(node, ROUTE.work_queue()) == []
    now[0] += 20
    back = take_all(node, ROUTE.work_queue())
    assert [message.body for message in back] == [b"sooner", b"later"]
    assert node.seconds_until_expiry() is None
    death = back[0].headers[DEATHS][0]
    assert (death["reason"], death["queue"], death["count"]) == (
        "expired",
        ROUTE.retry_queue(10),
        1,
    )
    assert death["routing-keys"] == [ROUTE.retry_key(10)]
    assert back[0].headers["x-first-death-reason"] == "expired"


def test_an_expired_message_nothing_is_bound_for_is_dropped(node: Node, now: list[float]) -> None:
    node.publish(Message(NAMES.retry_exchange, ROUTE.retry_key(10), b"{}", "m-1"))
    node.delete_queue(ROUTE.work_queue())
    now[0] += 11
    node.tick()
    assert node.count(ROUTE.retry_queue(10)).ready == 0
    assert node.count(ROUTE.dead_letter_queue).ready == 0


def test_a_message_given_back_while_taken_keeps_its_place_and_counts_the_delivery(
    node: Node,
) -> None:
    for n in range(2):
        node.publish(Message(NAMES.work_exchange, ROUTE.routing_key(), f"{n}".encode(), f"m{n}"))

    def refuse(message: TakenMessage) -> None:
        raise RuntimeError("store down")

    with pytest.raises(RuntimeError):
        node.take(ROUTE.work_queue(), refuse, 10)
    first, second = take_all(node, ROUTE.work_queue())
    assert (first.body, first.headers["x-delivery-count"]) == (b"0", 1)
    assert (second.body, second.headers["x-delivery-count"]) == (b"1", 0)
