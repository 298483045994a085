from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.fingerprints import body_fingerprint, digest
from mappers import MappingContext, validate_partner
from mappers.registry import COLLECTIONS
from mappers.views import partner_view, referenced_ids
from tests.unit.mapping.cases import PROVIDER, REALM, connec_write, partner_write
from tests.unit.mapping.strategies import PARTNER

CTX = MappingContext(PROVIDER, REALM)


def test_a_null_field_an_absent_field_and_an_empty_object_fingerprint_alike() -> None:
    assert digest({"name": "A", "email": None, "address": {"city": None}}) == digest({"name": "A"})


def test_an_integral_amount_fingerprints_like_its_float_and_key_order_does_not_matter() -> None:
    assert digest({"a": 10.0, "b": [1.5]}) == digest({"b": [1.5], "a": 10})
    assert digest({"a": 10.5}) != digest({"a": 10})


def test_line_ids_do_not_change_an_invoice_fingerprint_but_line_content_does() -> None:
    with_ids = {"kind": "sale", "lines": [{"id": "li_1", "quantity": 2.0}]}
    without = {"kind": "sale", "lines": [{"quantity": 2}]}
    assert body_fingerprint("invoices", with_ids) == body_fingerprint("invoices", without)
    assert body_fingerprint("invoices", {"lines": [{"quantity": 3}]}) != body_fingerprint(
        "invoices", without
    )


def test_the_partner_view_keeps_only_written_fields_without_line_ids_or_computed_totals() -> None:
    record = {
        "id": "inv_1",
        "kind": "sale",
        "lines": [{"id": "li_1", "product_id": "p_1", "quantity": 2}],
        "total": 20,
        "balance": 5,
        "created_at": "2026-11-27T10:00:00Z",
        "updated_at": "2026-11-27T10:00:00Z",
    }
    view = partner_view("invoices", validate_partner("invoices", record))
    assert view == {"kind": "sale", "lines": [{"product_id": "p_1", "quantity": 2.0}]}


@pytest.mark.parametrize("collection", COLLECTIONS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_partner_record_pushed_to_connec_and_echoed_back_fingerprints_like_its_view(
    collection: str, data: st.DataObject
) -> None:
    record = data.draw(PARTNER[collection])
    echoed = partner_write(collection, connec_write(collection, record, CTX), CTX)
    view = partner_view(collection, validate_partner(collection, record))
    assert body_fingerprint(collection, echoed.body) == body_fingerprint(collection, view)


def test_references_of_a_pushed_record_are_found_in_the_record_and_in_its_lines() -> None:
    payment = {
        "id": "pay_1",
        "company_id": "co_1",
        "allocations": [{"invoice_id": "inv_1", "amount": 5}, {"invoice_id": "inv_2", "amount": 1}],
    }
    pushed = connec_write("payments", payment, CTX)
    assert referenced_ids("payments", pushed, PROVIDER, REALM) == [
        ("organization_id", "organizations", "co_1"),
        ("payment_lines.0.linked_transactions.0.id", "invoices", "inv_1"),
        ("payment_lines.1.linked_transactions.0.id", "invoices", "inv_2"),
    ]
