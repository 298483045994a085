"""Round trips keep every mapped field: partner -> Connec! -> partner, and Connec! -> partner ->
Connec! for the Connec! fields the partner holds."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappers import MappingContext
from mappers.registry import COLLECTIONS, entity
from schemas.prices import net_amount
from tests.unit.mapping.cases import PROVIDER, REALM, connec_write, partner_write
from tests.unit.mapping.strategies import CONNEC, PARTNER, as_linked, linked_id_for
from tests.unit.mapping.written import CONNEC_AS_WRITTEN, PARTNER_AS_WRITTEN

CTX = MappingContext(PROVIDER, REALM, linked_id_for)


def _drop(record: dict, *paths: str) -> dict:
    """The record without these fields (`lines.*.id` reaches into each line)."""
    record = dict(record)
    for path in paths:
        head, _, rest = path.partition(".")
        if rest.startswith("*.") and head in record:
            record[head] = [_drop(line, rest[2:]) for line in record[head]]
        elif rest and isinstance(record.get(head), dict):
            record[head] = _drop(record[head], rest)
        elif not rest:
            record.pop(head, None)
    return record


#: Connec! fields that do not come back from the partner: computed by it, or not held by it
NOT_WRITTEN_TO_PARTNER = {
    "invoices": ("amount.total_amount", "balance"),
    "quotes": ("amount.total_amount",),
    "sales_orders": ("amount.total_amount",),
    "purchase_orders": ("amount.total_amount",),
    "payments": ("payment_lines.*.id",),
}


@pytest.mark.parametrize("collection", COLLECTIONS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_partner_to_connec_to_partner_gives_back_every_mapped_field(
    collection: str, data: st.DataObject
) -> None:
    record = data.draw(PARTNER[collection])
    back = partner_write(collection, connec_write(collection, record, CTX), CTX)
    mapped = entity(collection).mapping.partner_fields
    assert back.partner_id == record["id"]
    assert back.body == {key: value for key, value in record.items() if key in mapped}


@pytest.mark.parametrize("collection", COLLECTIONS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_connec_to_partner_to_connec_gives_back_every_mapped_field(
    collection: str, data: st.DataObject
) -> None:
    record = data.draw(CONNEC[collection])
    written = partner_write(collection, record, CTX)
    back = connec_write(collection, {"id": written.partner_id, **written.body}, CTX)
    mapped = frozenset(rule.connec for rule in entity(collection).mapping.rules)
    expected = _drop(as_linked(record, mapped), *NOT_WRITTEN_TO_PARTNER.get(collection, ()))
    assert _drop(back, "opts") == expected


@pytest.mark.parametrize("collection", COLLECTIONS)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_connec_record_as_apps_write_it_maps_like_its_canonical_form_dropping_nothing(
    collection: str, data: st.DataObject
) -> None:
    written, record = data.draw(CONNEC_AS_WRITTEN[collection])
    assert partner_write(collection, written, CTX) == partner_write(collection, record, CTX)
    assert not partner_write(collection, written, CTX).dropped


@pytest.mark.parametrize("collection", COLLECTIONS)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_partner_record_as_apps_write_it_maps_like_its_canonical_form_dropping_nothing(
    collection: str, data: st.DataObject
) -> None:
    written, record = data.draw(PARTNER_AS_WRITTEN[collection])
    pushed = connec_write(collection, written, CTX)
    assert pushed == connec_write(collection, record, CTX) and not pushed.dropped


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(0, 10**9), rate=st.sampled_from([0, 5, 7.7, 10, 12, 15, 19, 20, 25]))
def test_a_net_amount_survives_its_tax_inclusive_total_to_the_cent(cents: int, rate: float) -> None:
    net = Decimal(cents) / 100
    total = (net * (1 + Decimal(str(rate)) / 100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert abs(Decimal(str(net_amount(str(total), rate))) - net) <= Decimal("0.01")
