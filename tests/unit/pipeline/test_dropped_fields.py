"""Tolerant at the edges: a field that cannot be converted is dropped, never the record, and the
drop is said (the applied verdict's `dropped_fields`, the counter); both directions."""

from __future__ import annotations

import json

from prometheus_client import REGISTRY

from connec_sync.naming import Names
from consumers import metrics
from sandboxes import testing
from tests.system import Direct, Sides

GROUP, ACCOUNT = testing.GROUP_ID, testing.ACCOUNT


def from_other_app(both: Sides, collection: str, record: dict) -> dict:
    return both.connec.state.write_as_app(GROUP, collection, record)[1]


def dropped_total(entity: str, direction: str, field: str) -> float:
    labels = {"entity": entity, "direction": direction, "field": field}
    return REGISTRY.get_sample_value("connec_sync_fields_dropped_total", labels) or 0.0


def test_a_contact_whose_country_is_a_name_reaches_the_partner_as_an_iso_code(
    both: Sides, direct: Direct
) -> None:
    address = {"billing": {"city": "Austin", "country": " united states of america "}}
    record = from_other_app(
        both, "people", {"id": "p1", "first_name": "Ann", "address_work": address}
    )

    verdict = direct.from_connec("people", record)

    assert verdict.outcome == "applied" and "dropped_fields" not in verdict.details
    [contact] = both.partner_records("contacts")
    assert contact["address"]["country"] == "US" and contact["address"]["city"] == "Austin"


def test_an_unreadable_field_is_dropped_said_and_counted_and_the_rest_applies(
    both: Sides, direct: Direct
) -> None:
    odd = {
        "id": "p2",
        "first_name": "Bea",
        "email": {"address": "bea@example.com"},
        "is_customer": "sometimes",
        "address_work": {"billing": {"city": "Atlantis", "country": "Atlantis"}},
    }
    verdict = direct.from_connec("people", from_other_app(both, "people", odd))
    before = dropped_total("people", "to-app", "address_work.billing.country")
    metrics.count(Names("direct").route("people", "to-app"), verdict, None)

    assert verdict.outcome == "applied"
    assert {each["field"] for each in verdict.details["dropped_fields"]} == {
        "is_customer",
        "address_work.billing.country",
    }
    assert "Atlantis" in json.dumps(verdict.details["dropped_fields"])
    [contact] = both.partner_records("contacts")
    assert (contact["first_name"], contact["email"]) == ("Bea", "bea@example.com")
    assert contact["address"]["city"] == "Atlantis" and contact["address"].get("country") is None
    assert dropped_total("people", "to-app", "address_work.billing.country") == before + 1
    [example] = both.store.dropped_fields.latest(both.organization.id)
    assert (example.entity, example.direction, example.name) == ("people", "to-app", "Bea")
    assert example.record_id == verdict.details["connec_id"]
    assert example.fields == verdict.details["dropped_fields"]


def test_a_contact_with_no_name_at_all_is_dead_lettered_naming_the_field(
    both: Sides, direct: Direct
) -> None:
    record = from_other_app(both, "people", {"id": "p3", "first_name": {"not": "a name"}})

    verdict = direct.from_connec("people", record)

    assert (verdict.outcome, verdict.reason) == ("dead_lettered", "invalid")
    assert set(json.loads(verdict.error)) == {"first_name", "last_name"}


def test_an_invoice_priced_tax_inclusive_reaches_the_partner_net_of_tax(
    both: Sides, direct: Direct
) -> None:
    lines = [
        {"description": "Mug", "quantity": "2", "unit_price": {"total_amount": 11, "tax_rate": 10}},
        {"description": "Tea", "quantity": 1, "unit_price": {"total_amount": "10.00"}},
        {"quantity": 1, "unit_price": {"net_amount": 5}},
    ]
    invoice = {"id": "i1", "type": "CUSTOMER", "status": "DRAFT", "lines": lines[:2]}
    record = from_other_app(
        both, "invoices", {**invoice, "transaction_date": "2017-05-29T09:44:56+10:00"}
    )

    verdict = direct.from_connec("invoices", record)
    nameless = from_other_app(both, "invoices", {**invoice, "id": "i2", "lines": lines[2:]})
    refused = direct.from_connec("invoices", nameless)

    assert verdict.outcome == "applied"
    [partner_invoice] = both.partner_records("invoices")
    mug, tea = partner_invoice["lines"]
    assert (mug["quantity"], mug["unit_amount"], mug["tax_rate"]) == (2, 10.0, 10)
    assert tea.get("unit_amount") is None  # no tax rate: the net cannot be known
    assert partner_invoice["issue_date"] == "2017-05-29"
    [said] = verdict.details["dropped_fields"]
    assert said["field"] == "lines.1.unit_price.total_amount" and "tax rate" in said["reason"]
    assert (refused.outcome, refused.reason) == ("dead_lettered", "invalid")
    assert set(json.loads(refused.error)) == {"lines.0.product_id", "lines.0.description"}


def test_a_partner_record_with_an_odd_field_reaches_connec_without_it(
    both: Sides, direct: Direct
) -> None:
    contact = both.partner.state.user_create(
        ACCOUNT, "contacts", {"last_name": "Cho", "address": {"country": "KR"}}
    )
    event = {**contact, "is_customer": "perhaps", "address": {"country": "Korea, Republic of"}}

    verdict = direct.from_partner("people", event, "created")

    assert verdict.outcome == "applied"
    assert [each["field"] for each in verdict.details["dropped_fields"]] == ["is_customer"]
    [person] = both.connec_records("people")
    assert person["last_name"] == "Cho"
    assert person["address_work"]["billing"]["country"] == "KR"
