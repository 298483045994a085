"""Faults on a private RabbitMQ node (the shared broker is never stopped or alarmed)."""

from __future__ import annotations

import uuid

import pytest
import requests

from connec_sync.broker import declare_all
from connec_sync.settings import BrokerSettings
from tests.integration.receiver.conftest import take_all
from tests.private_broker import PrivateBroker, wait_until
from tests.services import TEST_ENTITIES
from tests.unit.receiver.support import basic, fixture

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(120)]
NOTIFY = "/maestrano/connec/notifications/default"


@pytest.fixture
def private_settings(private_broker: PrivateBroker) -> BrokerSettings:
    settings = BrokerSettings(
        url=private_broker.url, namespace=f"t-{uuid.uuid4().hex[:10]}", retry_delays_s=(1,)
    )
    declare_all(settings, TEST_ENTITIES)
    return settings


def post(url: str) -> requests.Response:
    body = fixture("connec_webhook__mixed_batch.json")
    return requests.post(url + NOTIFY, json=body, headers={"Authorization": basic()}, timeout=15)


def delivered(settings: BrokerSettings) -> int:
    names = (f"{settings.namespace}.organizations.to-app", f"{settings.namespace}.people.to-app")
    return sum(len(take_all(settings, name)) for name in names)


def test_a_disk_alarm_gets_503_for_every_request_and_the_retry_after_it_yields_each_record(
    private_broker: PrivateBroker, private_settings: BrokerSettings, start_receiver
) -> None:
    receiver = start_receiver(private_settings)
    assert post(receiver.url).status_code == 200
    private_broker.raise_disk_alarm()
    try:
        assert wait_until(lambda: post(receiver.url).status_code == 503, timeout=20)
        refused = post(receiver.url)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert requests.get(receiver.url + "/readyz", timeout=5).status_code == 503
    finally:
        private_broker.clear_disk_alarm()
    assert wait_until(lambda: post(receiver.url).status_code == 200, timeout=20)
    assert delivered(private_settings) >= 4  # before the alarm, after it; never fewer


def test_a_stopped_broker_gets_503_and_the_publisher_reconnects_by_itself(
    private_broker: PrivateBroker, private_settings: BrokerSettings, start_receiver
) -> None:
    receiver = start_receiver(private_settings)
    assert post(receiver.url).status_code == 200
    private_broker.stop_app()
    try:
        refused = post(receiver.url)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    finally:
        private_broker.start_app()
    assert wait_until(receiver.publisher.is_ready, timeout=15)
    assert post(receiver.url).status_code == 200
    assert delivered(private_settings) == 4
