"""The provider registry: `partner.provider` picks a partner app's package; an unknown name
stops every command with exit status 2 and the known names; a route the app cannot carry is
skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands import EXIT_CONFIG, main
from connec_sync.crash import FaultPoints
from connec_sync.naming import DIRECTIONS, TO_APP, TO_CONNEC
from connec_sync.settings import Settings
from consumers.outcomes import Skip
from consumers.pipeline import RouteHandler
from consumers.steps import RecordPipeline
from mappers.registry import COLLECTIONS, REFERENCE
from providers.demoapp.client import PartnerClient
from providers.interface import PUSH, Capability
from providers.registry import PROVIDERS, UnknownProvider, configured, provider
from schemas.envelope import Envelope

pytestmark = pytest.mark.timeout(30)


def test_the_default_provider_is_the_reference_app_pushing_every_entity_both_ways() -> None:
    demoapp = configured(Settings())
    assert demoapp is PROVIDERS["demoapp"]
    assert demoapp.name == "demoapp"
    assert demoapp.change_source == PUSH
    assert demoapp.entities is REFERENCE
    assert demoapp.mapper.entities is REFERENCE
    assert demoapp.local_app == "sandboxes.partner:start"
    for collection in COLLECTIONS:
        assert demoapp.capabilities[collection].deletes_visible
        assert all(demoapp.supports(collection, direction) for direction in DIRECTIONS)
    assert demoapp.resource("people") == "contacts"


def test_the_provider_client_factory_makes_the_configured_apps_client() -> None:
    settings = Settings.from_mapping({"partner": {"base_url": "http://127.0.0.1:9/x"}})
    client = configured(settings).client(settings, None)  # type: ignore[arg-type]
    try:
        assert isinstance(client, PartnerClient)
        assert client.base_url == "http://127.0.0.1:9/x"
    finally:
        client.close()


def test_an_unknown_provider_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownProvider) as raised:
        provider("odoo")
    message = str(raised.value)
    assert "partner.provider" in message
    assert "'odoo'" in message
    for known in PROVIDERS:
        assert known in message


def test_a_command_with_an_unknown_provider_exits_2_naming_the_known_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[partner]\nprovider = "odoo"\n')
    monkeypatch.setenv("CONNEC_SYNC_CONFIG", str(config))
    assert main(["topology"]) == EXIT_CONFIG
    error = capsys.readouterr().err
    assert "unknown provider 'odoo'" in error
    assert "known: " + ", ".join(sorted(PROVIDERS)) in error


def test_the_provider_is_read_from_the_environment_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CONNEC_SYNC_CONFIG", raising=False)
    monkeypatch.setenv("CONNEC_SYNC_PARTNER_PROVIDER", "nope")
    assert main(["topology"]) == EXIT_CONFIG
    assert "unknown provider 'nope'" in capsys.readouterr().err


def test_a_route_the_app_does_not_carry_is_skipped_direction_off() -> None:
    pipeline = RecordPipeline(
        entity="payments",
        direction=TO_CONNEC,
        provider="someapp",
        mapper=configured(Settings()).mapper,
        organizations=None,  # type: ignore[arg-type]
        guard=None,  # type: ignore[arg-type]
        id_map=None,
        targets=None,  # type: ignore[arg-type]
        faults=FaultPoints(),
    )
    envelope = Envelope.new(
        direction=TO_CONNEC,
        entity="payments",
        record={"id": "1"},
        action="updated",
        origin="sync",
        account="books",
        updated_at="2026-01-01T00:00:00Z",
    )
    with pytest.raises(Skip) as skipped:
        RouteHandler(pipeline, carried=False)(envelope)
    assert skipped.value.reason == "direction_off"
    assert skipped.value.details == {"error": "someapp does not carry payments to-connec"}


def test_a_capability_without_a_direction_says_the_app_does_not_carry_it() -> None:
    one_way = Capability(directions=frozenset({TO_APP}), deletes_visible=False, note="why")
    demoapp = configured(Settings())
    narrowed = type(demoapp)(
        name="narrow",
        entities=demoapp.entities,
        client=demoapp.client,
        change_source=demoapp.change_source,
        capabilities={"payments": one_way},
        local_app=demoapp.local_app,
    )
    assert narrowed.supports("payments", TO_APP)
    assert not narrowed.supports("payments", TO_CONNEC)
    assert not narrowed.supports("people", TO_APP)
