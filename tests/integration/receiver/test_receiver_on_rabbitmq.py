from __future__ import annotations

import http.client
import json

import pytest
import requests

from connec_sync.broker import declare_all, open_broker
from connec_sync.broker.setup import queue_specs
from connec_sync.settings import BrokerSettings
from tests.integration.receiver.conftest import take_all
from tests.services import TEST_ENTITIES
from tests.unit.receiver.support import basic, contact_event, events_body, fixture, signed_headers

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
NOTIFY = "/maestrano/connec/notifications/default"


def post_notification(url: str, body: object) -> requests.Response:
    return requests.post(url + NOTIFY, json=body, headers={"Authorization": basic()}, timeout=10)


def queue_contents(broker: BrokerSettings) -> dict[str, list[dict]]:
    """Non-empty queues of this namespace, drained."""
    contents = {
        spec.name: take_all(broker, spec.name) for spec in queue_specs(broker, TEST_ENTITIES)
    }
    return {name: messages for name, messages in contents.items() if messages}


def test_the_mixed_fixture_yields_exactly_the_expected_messages_in_the_expected_queues(
    broker_settings: BrokerSettings, start_receiver
) -> None:
    declare_all(broker_settings, TEST_ENTITIES)
    receiver = start_receiver(broker_settings)

    answer = post_notification(receiver.url, fixture("connec_webhook__mixed_batch.json"))

    assert answer.status_code == 200 and answer.json() == {"published": 2, "ignored": 2}
    contents = queue_contents(broker_settings)
    namespace = broker_settings.namespace
    assert sorted(contents) == [f"{namespace}.organizations.to-app", f"{namespace}.people.to-app"]
    [organization] = contents[f"{namespace}.organizations.to-app"]
    [person] = contents[f"{namespace}.people.to-app"]
    assert organization["record"]["code"] == "OR7" and organization["account"] == "acct-2243"
    assert person["record"]["code"] == "PE12" and person["entity"] == "people"
    assert person["group_id"] == "cld-9ax2" and person["updated_at"] == "2026-11-27T10:11:13Z"


def test_signed_partner_events_land_once_in_the_to_connec_queue(
    broker_settings: BrokerSettings, start_receiver
) -> None:
    declare_all(broker_settings, TEST_ENTITIES)
    receiver = start_receiver(broker_settings)
    body = events_body(contact_event("c_1"), contact_event("c_2", "created"))
    headers = signed_headers(body)

    first = requests.post(receiver.url + "/app/events", data=body, headers=headers, timeout=10)
    again = requests.post(receiver.url + "/app/events", data=body, headers=headers, timeout=10)

    assert (first.status_code, again.status_code) == (202, 200)
    contents = queue_contents(broker_settings)
    assert list(contents) == [f"{broker_settings.namespace}.people.to-connec"]
    assert [
        m["record"]["id"] for m in contents[f"{broker_settings.namespace}.people.to-connec"]
    ] == ["c_1", "c_2"]


def test_a_fifty_record_notification_is_confirmed_as_one_batch(
    broker_settings: BrokerSettings, start_receiver
) -> None:
    declare_all(broker_settings, TEST_ENTITIES)
    receiver = start_receiver(broker_settings)
    people = [
        {"id": f"p{i}", "group_id": "cld-9ax2", "updated_at": "2026-11-27T10:00:00Z"}
        for i in range(50)
    ]

    answer = post_notification(receiver.url, {"people": people})

    assert answer.json() == {"published": 50, "ignored": 0}
    queue = f"{broker_settings.namespace}.people.to-app"
    assert [m["record"]["id"] for m in take_all(broker_settings, queue)] == [
        p["id"] for p in people
    ]


def test_an_unroutable_record_fails_the_request_with_503_and_a_retry_after_the_fix_succeeds(
    broker_settings: BrokerSettings, start_receiver
) -> None:
    declare_all(broker_settings, TEST_ENTITIES)
    receiver = start_receiver(broker_settings)
    with open_broker(broker_settings) as broker:
        broker.delete_queues([f"{broker_settings.namespace}.people.to-app"])
    body = fixture("connec_webhook__mixed_batch.json")

    refused = post_notification(receiver.url, body)
    assert refused.status_code == 503 and "unroutable" in refused.json()["error"]
    assert refused.headers["Retry-After"] == "5"

    declare_all(broker_settings, TEST_ENTITIES)
    take_all(
        broker_settings, f"{broker_settings.namespace}.organizations.to-app"
    )  # the half that got in
    assert post_notification(receiver.url, body).status_code == 200
    assert len(take_all(broker_settings, f"{broker_settings.namespace}.people.to-app")) == 1


def test_an_unreachable_broker_gets_503_and_the_retry_against_the_broker_yields_every_record(
    broker_settings: BrokerSettings, start_receiver
) -> None:
    from dataclasses import replace

    from tests.private_broker import free_port

    closed = replace(broker_settings, url=f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F")
    down = start_receiver(closed)
    body = fixture("connec_webhook__mixed_batch.json")

    refused = post_notification(down.url, body)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert requests.get(down.url + "/readyz", timeout=5).status_code == 503

    declare_all(broker_settings, TEST_ENTITIES)
    up = start_receiver(broker_settings)
    assert post_notification(up.url, body).status_code == 200
    assert len(queue_contents(broker_settings)) == 2


def test_a_chunked_body_over_the_limit_is_refused_with_413(
    broker_settings: BrokerSettings, start_receiver
) -> None:
    receiver = start_receiver(broker_settings)
    limit = receiver.settings.receiver.max_body_bytes
    host, port = receiver.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    chunks = (b" " * 8192 for _ in range(limit // 8192 + 2))
    headers = {"Authorization": basic(), "Content-Type": "application/json"}
    connection.request("POST", NOTIFY, body=chunks, headers=headers, encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 413 and "larger than" in json.loads(answer.read())["error"]
    connection.close()
