"""RabbitMQ only: a consumer whose connection drops (a TCP reset between it and the broker)
raises ConnectionLost, and the broker redelivers what it had not acked."""

from __future__ import annotations

import pytest

from chaos.proxy import FaultProxy
from connec_sync.broker import ConnectionLost, open_broker
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings
from tests.integration.broker.support import message, next_delivery, through
from tests.services import TEST_ENTITIES

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def test_a_reset_connection_raises_connection_lost_and_the_message_comes_back_redelivered(
    broker_settings: BrokerSettings, proxy: FaultProxy
) -> None:
    route = Names(broker_settings.namespace).route("people", "to-app")
    sent = message(route, b'{"n": 1}')
    with open_broker(broker_settings, TEST_ENTITIES) as broker:
        broker.declare()
        broker.publish([sent])
        with open_broker(through(broker_settings, proxy), TEST_ENTITIES) as proxied:
            consumer = proxied.consume([route], 10)
            delivery = next_delivery(consumer)
            proxy.set_mode("reset")
            with pytest.raises(ConnectionLost):
                consumer.receive(5.0)
            with pytest.raises(ConnectionLost):
                delivery.ack()
            consumer.close()
        proxy.set_mode("pass")
        again = broker.consume([route], 10)
        try:
            back = next_delivery(again, timeout_s=15)
            assert (back.body, back.message_id, back.redelivered) == (
                sent.body,
                sent.message_id,
                True,
            )
            back.ack()
        finally:
            again.close()
