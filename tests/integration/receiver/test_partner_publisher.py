from __future__ import annotations

import json
from pathlib import Path

import pytest

from commands import main
from connec_sync.broker import declare_all
from connec_sync.settings import BrokerSettings
from producers.publisher import PartnerEventPublisher, UnknownResource
from tests.integration.receiver.conftest import take_all
from tests.services import TEST_ENTITIES
from tests.unit.receiver.support import contact_event, fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def test_the_embeddable_publisher_sends_envelopes_to_the_to_connec_queues(
    broker_settings: BrokerSettings,
) -> None:
    declare_all(broker_settings, TEST_ENTITIES)
    with PartnerEventPublisher(
        broker_settings.url, "acct-2243", namespace=broker_settings.namespace
    ) as publisher:
        assert publisher.publish([contact_event("c_1"), contact_event("c_2", "deleted")]) == 2
        with pytest.raises(UnknownResource):
            publisher.publish([{"resource": "venues", "action": "created", "record": {"id": 1}}])

    messages = take_all(broker_settings, f"{broker_settings.namespace}.people.to-connec")
    assert [(m["record"]["id"], m["action"], m["origin"]) for m in messages] == [
        ("c_1", "updated", "publisher"),
        ("c_2", "deleted", "publisher"),
    ]
    assert messages[0]["account"] == "acct-2243" and messages[0]["source"] == "app"


def test_publish_events_publishes_a_file_in_the_partner_event_format(
    broker_settings: BrokerSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declare_all(broker_settings, TEST_ENTITIES)
    events = tmp_path / "events.json"
    events.write_text(json.dumps(fixture("partner_event__contact_updated.json")["body"]))
    monkeypatch.setenv("CONNEC_SYNC_BROKER_URL", broker_settings.url)
    monkeypatch.setenv("CONNEC_SYNC_BROKER_NAMESPACE", broker_settings.namespace)
    monkeypatch.setenv("CONNEC_SYNC_BROKER_RETRY_DELAYS_S", "1,2")

    assert main(["publish-events", "--account", "acct-2243", str(events)]) == 0
    assert main(["publish-events", "--account", "someone-else", str(events)]) == 2

    namespace = broker_settings.namespace
    assert [
        m["record"]["id"] for m in take_all(broker_settings, f"{namespace}.people.to-connec")
    ] == ["c_81"]
    assert [m["action"] for m in take_all(broker_settings, f"{namespace}.items.to-connec")] == [
        "deleted"
    ]
