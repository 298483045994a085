"""The Tryton provider as registered: its `[partner.tryton]` options (each error names its key,
exit status 2), its capabilities, and its mapping between Connec! records and its flat ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands import EXIT_CONFIG, main
from connec_sync.naming import TO_APP, TO_CONNEC
from connec_sync.settings import Settings, SettingsError
from mappers import MappingContext
from mappers.registry import COLLECTIONS
from providers.interface import POLL
from providers.registry import configured
from providers.tryton.options import TrytonOptions
from providers.tryton.partner import TrytonPartner

pytestmark = pytest.mark.timeout(30)

CTX = MappingContext("tryton", "books", lambda entity, connec_id: None)


def tryton_settings(**table: object) -> Settings:
    partner = {"provider": "tryton", "base_url": "http://127.0.0.1:9", "tryton": table}
    return Settings.from_mapping({"partner": partner})


def test_the_tryton_provider_is_polled_and_carries_every_entity_both_ways_with_notes() -> None:
    tryton = configured(tryton_settings(company=1))
    assert (tryton.name, tryton.change_source) == ("tryton", POLL)
    carried = ("organizations", "people", "items", "invoices", "payments")
    assert tryton.entities.collections == carried
    assert set(carried) < set(COLLECTIONS)
    assert not tryton.supports("quotes", TO_APP) and not tryton.supports("quotes", TO_CONNEC)
    for collection in tryton.entities.collections:
        assert tryton.supports(collection, TO_APP) and tryton.supports(collection, TO_CONNEC)
        assert not tryton.capabilities[collection].deletes_visible
    assert "pay wizard" in tryton.capabilities["payments"].note


def test_its_capability_table_names_every_shared_collection_and_says_why_the_rest_is_not_carried():
    tryton = configured(tryton_settings(company=1))
    assert set(tryton.capabilities) == set(COLLECTIONS)
    missing = [each for each in COLLECTIONS if each not in tryton.entities.collections]
    assert len(missing) == 8
    for collection in missing:
        capability = tryton.capabilities[collection]
        assert capability.directions == frozenset()
        assert capability.note.startswith("not carried: ")
        assert not tryton.supports(collection, TO_APP) and not tryton.supports(
            collection, TO_CONNEC
        )
    assert "sale module" in tryton.capabilities["quotes"].note


def test_its_options_are_read_from_the_partner_tryton_table_and_the_environment() -> None:
    settings = Settings.from_mapping(
        {"partner": {"provider": "tryton", "tryton": {"company": 3, "password": "hunter2"}}},
        {"CONNEC_SYNC_PARTNER_TRYTON_POLL_INTERVAL_S": "2.5"},
    )
    assert settings.partner.options == {
        "tryton": {"company": 3, "password": "hunter2", "poll_interval_s": 2.5}
    }
    client = configured(settings).client(settings, None)  # type: ignore[arg-type]
    try:
        assert isinstance(client, TrytonPartner)
        assert client.client.context == {"company": 3}
    finally:
        client.close()
    assert "password='***'" in repr(TrytonOptions(company=1, password="hunter2"))
    assert "hunter2" not in repr(settings.partner)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({}, "partner.tryton.company"),
        ({"company": 1, "poll_interval_s": 0}, "partner.tryton.poll_interval_s"),
        ({"company": 1, "deletes_every": "often"}, "partner.tryton.deletes_every"),
        ({"company": 1, "colour": "blue"}, "partner.tryton.colour"),
    ],
)
def test_a_missing_or_bad_option_names_its_key(table: dict, key: str) -> None:
    with pytest.raises(SettingsError) as raised:
        configured(tryton_settings(**table))
    assert raised.value.key == key


def test_a_table_for_another_provider_is_an_error() -> None:
    settings = Settings.from_mapping({"partner": {"tryton": {"company": 1}}})
    with pytest.raises(SettingsError) as raised:
        configured(settings)
    assert raised.value.key == "partner.tryton"
    assert "partner.provider is 'demoapp'" in str(raised.value)


def test_a_command_with_a_bad_tryton_option_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[partner]\nprovider = "tryton"\n[partner.tryton]\npoll_interval_s = 5\n')
    monkeypatch.setenv("CONNEC_SYNC_CONFIG", str(config))
    assert main(["topology"]) == EXIT_CONFIG
    assert "partner.tryton.company: is required" in capsys.readouterr().err


def test_a_persons_names_are_one_party_name_and_the_last_word_is_the_last_name() -> None:
    mapper = configured(tryton_settings(company=1)).mapper
    person = mapper.validate_connec(
        "people",
        {
            "id": [{"id": "p1", "provider": "connec"}],
            "first_name": "Ann Marie",
            "last_name": "Lee",
            "address_work": {"billing": {"line1": "1 Road", "region": "Kent", "country": "GB"}},
            "job_title": "CEO",
        },
    )
    write = mapper.to_partner("people", person, CTX)
    assert write.body == {
        "name": "Ann Marie Lee",
        "address": {"street": "1 Road", "country": "GB"},
        "is_customer": False,  # a category in Tryton: always said, so an echo compares equal
        "is_supplier": False,
    }
    back = mapper.to_connec(
        "people", mapper.validate_partner("people", {"id": 7, **write.body}), CTX
    )
    assert (back["first_name"], back["last_name"]) == ("Ann Marie", "Lee")
    assert back["id"] == [{"id": "7", "provider": "tryton", "realm": "books"}]
    assert back["address_work"] == {"billing": {"line1": "1 Road", "country": "GB"}}
    assert "job_title" not in back


def test_an_item_maps_its_prices_to_the_list_and_cost_price() -> None:
    mapper = configured(tryton_settings(company=1)).mapper
    item = mapper.validate_connec(
        "items",
        {
            "id": [{"id": "i1", "provider": "connec"}],
            "name": "Hour",
            "reference": "H-1",
            "type": "SERVICE",
            "sale_price": {"net_amount": 10.456, "tax_rate": 20},
            "purchase_price": {"net_amount": 4},
            "status": "ARCHIVED",
        },
    )
    body = mapper.to_partner("items", item, CTX).body
    assert body == {
        "name": "Hour",
        "code": "H-1",
        "kind": "service",
        "list_price": 10.46,
        "cost_price": 4.0,
        "archived": True,
    }


def test_the_change_source_is_made_after_a_client_whose_module_was_imported_late() -> None:
    """The client's module is imported when a client is made, which binds the package's
    attribute of that name: the change source must still find the function that makes one."""
    from connec_sync.clients.http import RateGate
    from providers.tryton.changes import TrytonChanges

    tryton = configured(tryton_settings(company=1))
    made = tryton.client(tryton_settings(company=1), RateGate())
    changes = tryton.changes(tryton_settings(company=1), RateGate())
    assert isinstance(made, TrytonPartner) and isinstance(changes, TrytonChanges)
    made.close()
    changes.close()
