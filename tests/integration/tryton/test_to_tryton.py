"""Connec! -> Tryton through the consumers' handlers (the provider picked by settings): each
entity lands as the right Tryton records, edits and archives follow, a create is never made
twice, a person waits for their organization, and Tryton's refusals are permanent errors with
its message."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from connec_sync.naming import TO_APP
from tests.integration.tryton.world import DATABASE, TrytonWorld, world

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

PARTY, TEMPLATE = "party.party", "product.template"
PARTY_FIELDS = [
    "name",
    "active",
    "categories.name",
    "contact_mechanisms.type",
    "contact_mechanisms.value",
    "addresses.street",
    "addresses.city",
    "addresses.postal_code",
    "addresses.country.code",
    "relations.to",
    "relations.type.name",
    "identifiers.code",
]


@pytest.fixture
def tryton_world(tryton, sqlite_store_url) -> Iterator[TrytonWorld]:
    with world(tryton, sqlite_store_url) as running:
        yield running


def categories(party):
    return sorted(category["name"] for category in party["categories"])


def mechanisms(party):
    return {m["type"]: m["value"] for m in party["contact_mechanisms"]}


def organization(tryton_world, books, **fields):
    record = {
        "id": books.unique("o"),
        "name": books.unique("Acme"),
        "is_customer": True,
        "email": {"address": "info@acme.example"},
        "phone": {"landline": "+33 1 23 45 67 89"},
        "website": {"url": "https://acme.example"},
        "address": {
            "billing": {
                "line1": "1 rue de la Paix",
                "line2": "Floor 2",
                "city": "Paris",
                "postal_code": "75002",
                "country": "FR",
                "region": "IDF",
            }
        },
        **fields,
    }
    return tryton_world.in_connec("organizations", **record)


def connec_id(record):
    return next(entry["id"] for entry in record["id"] if entry["provider"] == "connec")


def test_an_organization_becomes_a_party_marked_organization_with_its_contacts_and_address(
    tryton_world, books
):
    record = organization(tryton_world, books)
    verdict = tryton_world.from_connec("organizations", record)
    assert verdict.outcome == "applied", verdict
    party_id = tryton_world.partner_id("organizations", connec_id(record))
    party = books.client.read(DATABASE, PARTY, int(party_id), PARTY_FIELDS)
    assert party["name"] == record["name"]
    assert categories(party) == ["Customer", "Organization"]
    assert mechanisms(party) == {
        "email": "info@acme.example",
        "phone": "+33 1 23 45 67 89",
        "website": "https://acme.example",
    }
    [address] = party["addresses"]
    assert (address["street"], address["city"], address["postal_code"]) == (
        "1 rue de la Paix\nFloor 2",
        "Paris",
        "75002",
    )
    assert address["country"]["code"] == "FR"
    assert party["identifiers"][0]["code"].startswith("connec-sync:")
    assert tryton_world.link_backs.flush() == 1
    [linked] = [
        each
        for each in tryton_world.connec.state.records(record["group_id"], "organizations")
        if connec_id(each) == connec_id(record)
    ]
    assert {"id": party_id, "provider": "tryton", "realm": DATABASE} in linked["id"]


def test_a_person_waits_for_their_organization_then_is_tied_to_it_by_a_relation(
    tryton_world, books
):
    company = organization(tryton_world, books)
    person = tryton_world.in_connec(
        "people",
        id=books.unique("p"),
        first_name="Ann Marie",
        last_name="Lee",
        organization_id=company["id"],
        email={"address": "ann@acme.example"},
        phone_work={"mobile": "+44 7700 900123"},
    )
    waiting = tryton_world.from_connec("people", person)
    assert (waiting.outcome, waiting.reason) == ("retried", "missing_reference")
    assert tryton_world.from_connec("organizations", company).outcome == "applied"
    assert tryton_world.from_connec("people", person).outcome == "applied"
    party_id = tryton_world.partner_id("people", connec_id(person))
    party = books.client.read(DATABASE, PARTY, int(party_id), PARTY_FIELDS)
    assert party["name"] == "Ann Marie Lee"
    assert categories(party) == ["Person"]
    assert mechanisms(party) == {"email": "ann@acme.example", "mobile": "+44 7700 900123"}
    company_party = int(tryton_world.partner_id("organizations", connec_id(company)))
    assert [(r["to"], r["type"]["name"]) for r in party["relations"]] == [
        (company_party, "Employee of")
    ]
    seen = books.client.read(
        DATABASE, PARTY, company_party, ["relations.to", "relations.type.name"]
    )
    assert [(r["to"], r["type"]["name"]) for r in seen["relations"]] == [
        (int(party_id), "Employer of")
    ]


def test_an_item_becomes_a_product_template_with_its_variant(tryton_world, books):
    code = books.unique("SKU").replace(" ", "-")
    item = tryton_world.in_connec(
        "items",
        id=books.unique("i"),
        name="Consulting hour",
        reference=code,
        description="One hour of advice",
        type="SERVICE",
        sale_price={"net_amount": 120.5, "currency": "USD"},
        purchase_price={"net_amount": 80},
    )
    assert tryton_world.from_connec("items", item).outcome == "applied"
    template_id = int(tryton_world.partner_id("items", connec_id(item)))
    fields = [
        "name",
        "code",
        "type",
        "list_price",
        "default_uom.symbol",
        "products.cost_price",
        "products.description",
        "products.code",
    ]
    template = books.client.read(DATABASE, TEMPLATE, template_id, fields)
    assert (template["name"], template["code"], template["type"]) == (
        "Consulting hour",
        code,
        "service",
    )
    assert template["list_price"] == Decimal("120.50")
    assert template["default_uom"]["symbol"] == "u"
    [variant] = template["products"]
    assert variant["cost_price"] == Decimal("80")
    assert variant["description"] == "One hour of advice"
    assert variant["code"] == code


def test_edits_and_archives_follow_and_an_archived_party_is_unarchived_to_be_edited(
    tryton_world, books
):
    record = organization(tryton_world, books)
    assert tryton_world.from_connec("organizations", record).outcome == "applied"
    party_id = int(tryton_world.partner_id("organizations", connec_id(record)))
    group = record["group_id"]

    def edited(**changes):
        updated = tryton_world.connec.state.user_edit(
            group, "organizations", connec_id(record), changes
        )
        verdict = tryton_world.from_connec("organizations", updated)
        assert verdict.outcome == "applied", verdict
        return books.client.read(DATABASE, PARTY, party_id, PARTY_FIELDS)

    party = edited(name="Acme Renamed", email={"address": None}, is_customer=False)
    assert party["name"] == "Acme Renamed"
    assert "email" not in mechanisms(party)
    assert categories(party) == ["Organization"]
    assert not edited(status="ARCHIVED")["active"]
    party = edited(status="ACTIVE", name="Acme Back")
    assert party["active"] and party["name"] == "Acme Back"
    party = edited(status="ARCHIVED", name="Acme Gone")
    assert not party["active"] and party["name"] == "Acme Gone"


def test_a_create_repeated_with_its_key_finds_the_first_record(tryton_world, books):
    partner = tryton_world.handlers[("organizations", TO_APP)].pipeline.targets.partner
    body = {"name": books.unique("Once"), "email": "once@example.com"}
    key, other_key = books.unique("key"), books.unique("key")
    first = partner.create(DATABASE, "organizations", body, key)
    repeated = partner.create(DATABASE, "organizations", {**body, "name": "ignored"}, key)
    assert repeated["id"] == first["id"]
    assert repeated["name"] == body["name"]
    assert partner.create(DATABASE, "organizations", body, other_key)["id"] != first["id"]
    found = books.client.search(DATABASE, PARTY, [("name", "=", body["name"])], ["id"])
    assert len(found) == 2


def test_a_refusal_by_tryton_is_dead_lettered_with_its_message(tryton_world, books):
    code = books.unique("DUP").replace(" ", "-")
    first = tryton_world.in_connec("items", id=books.unique("i"), name="One", reference=code)
    second = tryton_world.in_connec("items", id=books.unique("i"), name="Two", reference=code)
    assert tryton_world.from_connec("items", first).outcome == "applied"
    verdict = tryton_world.from_connec("items", second)
    assert (verdict.outcome, verdict.reason) == ("dead_lettered", "permanent_error")
    assert verdict.error.startswith("400 ")
    assert "unique" in verdict.error


def test_an_unknown_country_is_a_permanent_error_naming_it(tryton_world, books):
    record = organization(
        tryton_world, books, address={"billing": {"line1": "1 Road", "country": "DE"}}
    )
    verdict = tryton_world.from_connec("organizations", record)
    assert (verdict.outcome, verdict.reason) == ("dead_lettered", "permanent_error")
    assert "country DE is not in the Tryton database" in verdict.error
