"""`connec-sync poll`: refuses a provider that pushes, polls a Tryton account once with
`--once` and keeps its cursors in the store."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from commands import main
from connec_sync.clients.http import RateGate
from connec_sync.settings import Settings
from connec_sync.store import Store
from providers.registry import configured
from tests.integration.tryton.world import DATABASE

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def test_poll_exits_2_when_the_provider_pushes_its_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CONNEC_SYNC_CONFIG", raising=False)
    monkeypatch.setenv("CONNEC_SYNC_BROKER_URL", "memory://")
    assert main(["poll", "--once"]) == 2
    assert "provider 'demoapp' pushes its changes" in capsys.readouterr().err


def test_poll_once_reads_every_account_and_keeps_the_cursors(
    tryton, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_url = f"sqlite:///{tmp_path / 'poll.db'}"
    config = tmp_path / "settings.toml"
    config.write_text(
        f"""
[broker]
url = "memory://"
[store]
url = "{store_url}"
[connec.tenants.default]
api_id = "id"
api_key = "key"
[partner]
provider = "tryton"
base_url = "{tryton.url}"
api_token = "{tryton.api_key}"
[partner.tryton]
company = {tryton.facts["company"]}
overlap_s = 0
[[organizations]]
tenant = "default"
group_id = "cld-poll"
account = "{DATABASE}"
entities = {{ organizations = "both", people = "to-connec", items = "to-app" }}
"""
    )
    monkeypatch.setenv("CONNEC_SYNC_CONFIG", str(config))
    settings = Settings.from_file(config)
    partner = configured(settings).client(settings, RateGate())
    try:
        partner.create(DATABASE, "organizations", {"name": "Polled Ltd"}, uuid.uuid4().hex)
    finally:
        partner.close()
    assert main(["poll", "--once"]) == 0
    store = Store.open(store_url)
    try:
        organization = store.organizations.by_account(DATABASE)
        polled = {
            entity: store.polls.state(organization.id, entity)
            for entity in ("organizations", "people", "items")
        }
    finally:
        store.close()
    assert polled["organizations"].polls == 1 and polled["people"].polls == 1
    assert polled["items"].polls == 0  # items go to Tryton only: not polled
    assert polled["organizations"].cursor is not None
