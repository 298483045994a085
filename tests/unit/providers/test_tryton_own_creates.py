"""Which Tryton records, as read, were made by a create of ours: they keep our create key
(`connec-sync:<key>`) where each kind keeps it (a party's or a variant's identifier code, an
invoice's first line's note or, without lines, its description, a payment move's description).
The change reader marks those CREATED_BY_SYNC (providers/tryton/changes.py)."""

from __future__ import annotations

import pytest

from providers.tryton.partner import RECORDS
from providers.tryton.records import key_code, values_at

pytestmark = pytest.mark.timeout(30)

CODE = key_code("9f" * 32)

#: per resource: a record as read keeping our key, and the same made by a user
KEPT = {
    "organizations": {"identifiers": [{"id": 3, "code": "VAT-1"}, {"id": 4, "code": CODE}]},
    "items": {"products": [{"id": 7, "identifiers": [{"id": 8, "code": CODE}]}]},
    "invoices": {"lines": [{"id": 1, "note": CODE}, {"id": 2, "note": None}]},
    "payments": {"move": {"id": 5, "description": CODE}},
}
USERS = {
    "organizations": {"identifiers": [{"id": 3, "code": "VAT-1"}]},
    "items": {"products": [{"id": 7, "identifiers": []}]},
    "invoices": {"lines": [{"id": 1, "note": "deliver before noon"}], "description": None},
    "payments": {"move": {"id": 5, "description": "paid at the desk"}},
}


@pytest.mark.parametrize("resource", sorted(KEPT))
def test_a_record_keeping_our_create_key_is_ours_and_one_a_user_made_is_not(resource: str) -> None:
    kind = RECORDS[resource]
    assert kind.created_by_us(KEPT[resource])
    assert not kind.created_by_us(USERS[resource])
    assert not kind.created_by_us({})


def test_an_invoice_without_lines_keeps_the_key_in_its_description() -> None:
    invoices = RECORDS["invoices"]
    assert invoices.created_by_us({"lines": [], "description": CODE})
    assert not invoices.created_by_us({"lines": [], "description": "connec-sync is great"})


def test_every_kind_reads_the_fields_its_key_is_kept_in() -> None:
    for resource, kind in RECORDS.items():
        assert kind.key_fields, resource


def test_values_at_walks_nested_records_and_lists() -> None:
    record = {"a": [{"b": {"c": 1}}, {"b": {"c": None}}, {"b": [{"c": 2}]}], "d": 3}
    assert values_at(record, "a.b.c") == [1, 2]
    assert values_at(record, "d") == [3]
    assert values_at(record, "d.e") == []
    assert values_at(record, "x.y") == []
