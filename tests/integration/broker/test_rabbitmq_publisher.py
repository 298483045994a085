"""RabbitMQ only: the producers' publisher (pika, windowed confirms) from many threads, after a
channel the broker closed, closed, and after an exception escaped its IO loop."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator

import pytest

from connec_sync.broker import Message, PublishFailed, declare_all, open_broker
from connec_sync.broker.rabbitmq.confirms import ConfirmingPublisher
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings
from tests.private_broker import wait_until
from tests.services import TEST_ENTITIES

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def messages(names: Names, count: int, routing_key: str = "people.to-app") -> list[Message]:
    return [
        Message(names.work_exchange, routing_key, b"{}", uuid.uuid4().hex) for _ in range(count)
    ]


@pytest.fixture
def declared(broker_settings: BrokerSettings) -> Iterator[tuple[Names, ConfirmingPublisher]]:
    """The namespace's names, declared, and a publisher closed afterwards."""
    declare_all(broker_settings, TEST_ENTITIES)
    publisher = ConfirmingPublisher(broker_settings.url)
    try:
        yield Names(broker_settings.namespace), publisher
    finally:
        publisher.close()


def ready_count(settings: BrokerSettings, queue: str) -> int:
    with open_broker(settings, TEST_ENTITIES) as broker:
        return int(broker.count(queue).ready or 0)


def test_batches_from_many_threads_are_all_confirmed_and_stored(
    broker_settings: BrokerSettings,
) -> None:
    declare_all(broker_settings, TEST_ENTITIES)
    names = Names(broker_settings.namespace)
    publisher = ConfirmingPublisher(broker_settings.url)
    errors: list[Exception] = []

    def send() -> None:
        try:
            for _ in range(10):
                publisher.publish_batch(messages(names, 25))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    publisher.close()
    assert errors == []
    assert ready_count(broker_settings, names.route("people", "to-app").work_queue()) == 6 * 10 * 25


def test_one_unroutable_message_fails_its_batch_and_not_the_next(declared) -> None:  # type: ignore[no-untyped-def]
    names, publisher = declared
    with pytest.raises(PublishFailed) as failed:
        publisher.publish_batch(messages(names, 3) + messages(names, 1, "nobody.to-app"))
    assert failed.value.reason == "unroutable"
    publisher.publish_batch(messages(names, 2))


def test_a_missing_exchange_fails_the_batch_and_the_channel_recovers(
    broker_settings: BrokerSettings,
) -> None:
    # pooled namespaces are already declared: this test needs one that is not
    fresh = dataclasses.replace(broker_settings, namespace=f"{broker_settings.namespace}-new")
    publisher = ConfirmingPublisher(fresh.url)
    names = Names(fresh.namespace)
    try:
        with pytest.raises(PublishFailed):
            publisher.publish_batch(messages(names, 2))  # nothing declared yet
        declare_all(fresh, TEST_ENTITIES)
        assert wait_until(publisher.is_ready, timeout=5)  # a new channel replaced the closed one
        publisher.publish_batch(messages(names, 2))
    finally:
        publisher.close()
        with open_broker(fresh, TEST_ENTITIES) as broker:
            broker.delete_topology()


def test_a_closed_publisher_refuses_to_publish_and_closes_twice_quietly(
    broker_settings: BrokerSettings,
) -> None:
    publisher = ConfirmingPublisher(broker_settings.url)
    assert wait_until(publisher.is_ready, timeout=5)
    publisher.close()
    publisher.close()
    with pytest.raises(PublishFailed, match="closed"):
        publisher.publish_batch(messages(Names(broker_settings.namespace), 1))


def test_an_exception_escaping_the_io_loop_is_survived_by_reconnecting(
    broker_settings: BrokerSettings,
    declared: tuple[Names, ConfirmingPublisher],
) -> None:
    # Seen in the fault suite: pika raised from inside its connection set-up when the restarted
    # broker reset the socket, the IO thread died, and the receiver answered 503 from then on.
    names, publisher = declared
    publisher.publish_batch(messages(names, 5))
    broken = publisher._ioloop

    def pika_bug() -> None:
        raise ValueError("Expected connected socket, but getpeername() failed")

    broken.add_callback_threadsafe(pika_bug)
    assert wait_until(lambda: publisher._ioloop is not broken, timeout=10)
    assert wait_until(publisher.is_ready, timeout=15)
    publisher.publish_batch(messages(names, 5))
    assert ready_count(broker_settings, names.route("people", "to-app").work_queue()) == 10


def test_a_batch_is_published_by_the_calling_thread_not_handed_to_the_io_thread(
    broker_settings: BrokerSettings,
    declared: tuple[Names, ConfirmingPublisher],
) -> None:
    # The hand-over woke the IO thread and turned its loop once per request: the caller now
    # publishes on the connection itself, holding its lock, and the IO thread reads the confirms.
    names, publisher = declared
    publisher.publish_batch(messages(names, 1))
    handed: list[object] = []
    loop = publisher._ioloop
    add_callback = loop.add_callback_threadsafe
    loop.add_callback_threadsafe = lambda callback: (
        handed.append(callback),
        add_callback(callback),
    )  # type: ignore[method-assign]
    for _ in range(5):
        publisher.publish_batch(messages(names, 3))
    assert handed == []
    assert ready_count(broker_settings, names.route("people", "to-app").work_queue()) == 16
