"""References resolve or wait, the registry answers by either name, and payloads are strict."""

from __future__ import annotations

import dataclasses

import pytest

from mappers import (
    InvalidPayload,
    InvalidRecord,
    MappingContext,
    MissingReference,
    UnknownEntity,
    connec_id,
    link_back,
    own_partner_id,
    validate_connec,
    validate_partner,
)
from mappers.api import Mapper
from mappers.record import RecordMapping
from mappers.registry import (
    COLLECTIONS,
    ENTITIES,
    RESOURCES,
    EntityTable,
    by_resource,
    collection_for_resource,
    entity,
    resource_for_collection,
)
from mappers.rules import Field
from tests.unit.mapping.cases import PROVIDER, REALM, context, partner_write

OURS = {"provider": PROVIDER, "realm": REALM}


def connec(id_: str) -> dict:
    return {"id": id_, "provider": "connec", "realm": "org-1"}


def no_id_map(entity_name: str, cid: str) -> str | None:
    raise AssertionError(f"the id map was asked for {entity_name} {cid}")


def test_a_person_waits_for_an_organization_not_yet_in_the_partner_app() -> None:
    person = {"id": [connec("p1")], "first_name": "Ann", "organization_id": [connec("o1")]}
    with pytest.raises(MissingReference) as raised:
        partner_write("people", person, context())
    assert vars(raised.value) == {
        "field": "organization_id",
        "entity": "organizations",
        "connec_id": "o1",
    }


def test_an_invoice_line_waits_for_an_item_not_yet_in_the_partner_app() -> None:
    invoice = {"id": [connec("i1")], "lines": [{"item_id": [connec("it1")]}]}
    with pytest.raises(MissingReference) as raised:
        partner_write("invoices", invoice, context())
    assert (raised.value.field, raised.value.entity) == ("lines.0.item_id", "items")
    assert raised.value.connec_id == "it1"


def test_a_payment_allocation_waits_for_an_invoice_not_yet_in_the_partner_app() -> None:
    line = {"amount": 5, "linked_transactions": [{"id": [connec("i1")], "class": "Invoice"}]}
    with pytest.raises(MissingReference) as raised:
        partner_write("payments", {"id": [connec("pay1")], "payment_lines": [line]}, context())
    assert raised.value.field == "payment_lines.0.linked_transactions.0.id"
    assert (raised.value.entity, raised.value.connec_id) == ("invoices", "i1")


def test_a_reference_carrying_our_id_is_used_without_asking_the_id_map() -> None:
    person = {
        "id": [connec("p1"), {"id": 81, **OURS}],
        "last_name": "Lee",
        "organization_id": [connec("o1"), {"id": "co_7", **OURS}],
    }
    written = partner_write("people", person, MappingContext(PROVIDER, REALM, no_id_map))
    assert written.partner_id == "81"
    assert written.body["company_id"] == "co_7"


def test_a_null_or_empty_reference_clears_the_partner_reference() -> None:
    for empty in (None, []):
        person = {"id": [connec("p1"), {"id": "c1", **OURS}], "organization_id": empty}
        body = partner_write("people", {**person, "last_name": "Lee"}, context()).body
        assert body["company_id"] is None


def test_a_reference_known_to_no_one_is_an_invalid_record() -> None:
    person = {"id": [connec("p1")], "last_name": "Lee", "organization_id": [{"id": "x", **OURS}]}
    person["organization_id"][0]["realm"] = "someone-else"
    with pytest.raises(InvalidRecord) as raised:
        partner_write("people", person, context())
    assert list(raised.value.errors) == ["organization_id"]


def test_id_helpers_find_our_entry_and_connecs_entry() -> None:
    ids = [connec("c-1"), {"id": "x", "provider": PROVIDER, "realm": "other"}, {"id": "7", **OURS}]
    assert own_partner_id(ids, PROVIDER, REALM) == "7"
    assert own_partner_id(ids[:2], PROVIDER, REALM) is None
    assert connec_id(ids) == "c-1"
    assert connec_id(None) is None


def test_payments_link_back_only_their_own_id_as_allocations_have_no_ids() -> None:
    payment = {"id": [connec("pay1")], "payment_lines": [{"amount": 5}]}
    created = {"id": "pay_1", "allocations": [{"invoice_id": "i_1", "amount": 5}]}
    record, answer = validate_connec("payments", payment), validate_partner("payments", created)
    assert link_back("payments", record, answer, context()) == {
        "payments": {"id": [{"id": "pay_1", **OURS}]}
    }


def test_the_registry_lists_each_entity_once_in_dependency_order() -> None:
    assert len(set(COLLECTIONS)) == len(COLLECTIONS) and len(set(RESOURCES)) == len(RESOURCES)
    assert [each.collection for each in ENTITIES] == list(COLLECTIONS)
    assert [each.resource for each in ENTITIES] == list(RESOURCES)
    for each in ENTITIES:
        for _field, target in each.references:
            assert COLLECTIONS.index(target) < COLLECTIONS.index(each.collection)


def test_the_registry_answers_by_collection_or_by_resource() -> None:
    assert entity("people") is by_resource("contacts")
    assert resource_for_collection("items") == "products"
    assert collection_for_resource("companies") == "organizations"
    assert entity("invoices").lines is not None and entity("people").lines is None
    with pytest.raises(UnknownEntity):
        entity("venues")
    with pytest.raises(KeyError):
        by_resource("venues")


def test_a_mapping_that_writes_a_field_the_partner_does_not_have_fails_loudly() -> None:
    people = entity("people")
    broken = RecordMapping((*people.mapping.rules, Field("nickname", "first_name")))
    mapper = Mapper(EntityTable((dataclasses.replace(people, mapping=broken),)))
    with pytest.raises(InvalidPayload) as raised:
        mapper.to_partner("people", {"id": [connec("p1")], "first_name": "Ann"}, context())
    assert raised.value.errors == {"nickname": ["Unknown field."]}
