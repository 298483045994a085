"""`connec-sync publish-events` is the tool of a provider whose app pushes its changes: it reads
the events' resources as the configured provider names them, and refuses a polled provider
(exit status 2, naming `connec-sync poll`)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from commands import main
from connec_sync.broker import declare_all
from connec_sync.settings import BrokerSettings
from producers.publisher import PartnerEventPublisher, UnknownResource
from providers.registry import provider
from tests.unit.consumers.support import take_all

pytestmark = pytest.mark.timeout(30)


def organization_event() -> dict:
    record = {"id": "7", "name": "Acme", "updated_at": "2026-11-27T10:11:12.123456Z"}
    return {"resource": "organizations", "action": "updated", "record": record}


def test_publish_events_refuses_a_polled_provider_and_names_the_poller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(
        '[broker]\nurl = "memory://"\n'
        '[partner]\nprovider = "tryton"\n[partner.tryton]\ncompany = 1\n'
    )
    events = tmp_path / "events.json"
    events.write_text(json.dumps([organization_event()]))
    monkeypatch.setenv("CONNEC_SYNC_CONFIG", str(config))

    assert main(["publish-events", "--account", "books", str(events)]) == 2

    error = capsys.readouterr().err
    assert "provider 'tryton' is polled" in error
    assert "connec-sync poll" in error


def test_the_publisher_names_resources_as_the_provider_it_is_given_names_them() -> None:
    settings = BrokerSettings(url="memory://", namespace=f"pub-{uuid.uuid4().hex[:8]}")
    declare_all(settings, ("organizations",))
    tryton = provider("tryton").entities  # its resources are the Connec! collection names
    reference = PartnerEventPublisher(settings.url, "books", namespace=settings.namespace)
    with reference, pytest.raises(UnknownResource):  # the reference app calls them "companies"
        reference.publish([organization_event()])
    with PartnerEventPublisher(
        settings.url, "books", namespace=settings.namespace, entities=tryton
    ) as publisher:
        assert publisher.publish([organization_event()]) == 1

    [taken] = take_all(settings, f"{settings.namespace}.organizations.to-connec")
    message = json.loads(taken.body)
    assert (message["account"], message["record"]["id"]) == ("books", "7")
