"""The edges' tolerance: countries, numbers, prices, times and ids as real apps send them, and
the rule that an unreadable field is dropped (and said), never the record."""

from __future__ import annotations

import pytest

import mappers
from schemas.countries import alpha_2
from schemas.prices import net_amount
from tests.unit.mapping.cases import context

ID = [{"id": "c-1", "provider": "connec", "realm": "org-fbcy"}]


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("US", "US"),
        ("usa", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("  united   kingdom ", "GB"),
        ("UK", "GB"),
        ("GBR", "GB"),
        ("Russia", "RU"),
        ("Korea, Republic of", "KR"),
        ("Bolivia", "BO"),
        ("fr", "FR"),
    ],
)
def test_a_country_written_as_a_code_a_name_or_a_short_form_is_read_as_alpha_2(
    written: str, code: str
) -> None:
    assert alpha_2(written) == code


@pytest.mark.parametrize("written", ["", "   ", "Korea", "Narnia", "X"])
def test_a_country_no_single_country_answers_to_is_not_guessed(written: str) -> None:
    assert alpha_2(written) is None


@pytest.mark.parametrize(
    ("total", "rate", "net"),
    [(11, 10, 10.0), ("12.50", 25, 10.0), (10, 7.7, 9.29), (0.05, 0, 0.05), (1.005, 0, 1.01)],
)
def test_a_tax_inclusive_amount_gives_its_net_rounded_half_up_to_cents(
    total: float | str, rate: float, net: float
) -> None:
    assert net_amount(total, rate) == net


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2016-06-12 23:26:26", "2016-06-12T23:26:26+00:00"),
        ("2017-05-29T09:44:56+10:00", "2017-05-28T23:44:56+00:00"),
        ("2017-05-29T09:44:56Z", "2017-05-29T09:44:56+00:00"),
        ("2017-05-29T09:44:56.123Z", "2017-05-29T09:44:56.123000+00:00"),
        ("2017-05-29", "2017-05-29T00:00:00+00:00"),
    ],
)
def test_record_times_in_every_common_shape_are_read_in_utc(written: str, utc: str) -> None:
    record = mappers.validate_connec("people", {"id": ID, "updated_at": written})
    assert record["updated_at"] == utc and not record.dropped


def test_numbers_in_strings_plain_and_numeric_ids_and_empty_objects_are_read() -> None:
    record = {
        "id": 4711,
        "organization_id": "org-9",
        "first_name": "Ann",
        "address_work": {},
        "email": {},
        "phone_work": {"landline": "+61 2 9999 0000"},
    }
    read = mappers.validate_connec("people", record)
    assert read["id"] == [{"id": "4711", "provider": "connec", "realm": None}]
    assert read["organization_id"] == [{"id": "org-9", "provider": "connec", "realm": None}]
    assert read["address_work"] == {} and not read.dropped
    line = {"description": "Mug", "quantity": "3", "unit_price": {"net_amount": "12.50"}}
    invoice = mappers.validate_connec("invoices", {"id": ID, "lines": [line]})
    assert invoice["lines"][0]["quantity"] == 3.0
    assert invoice["lines"][0]["unit_price"]["net_amount"] == 12.5


def test_an_unreadable_list_item_is_dropped_and_the_other_items_kept_in_order() -> None:
    lines = [{"description": "a"}, "garbage", {"description": "c", "quantity": "many"}]
    invoice = mappers.validate_connec("invoices", {"id": ID, "lines": lines})
    assert invoice["lines"] == [{"description": "a"}, {"description": "c"}]
    assert [each.field for each in invoice.dropped] == ["lines.1", "lines.2.quantity"]


def test_a_reference_entry_without_its_provider_is_dropped_not_the_record() -> None:
    read = mappers.validate_connec("people", {"id": ID, "organization_id": [{"id": "o-1"}]})
    assert read["organization_id"] == []
    assert [each.field for each in read.dropped] == ["organization_id.0"]


def test_a_partner_body_drops_what_the_partner_cannot_take_and_says_so() -> None:
    record = mappers.validate_connec(
        "invoices", {"id": ID, "amount": {"currency": "Euro"}, "lines": [{"description": "x"}]}
    )
    write = mappers.to_partner("invoices", record, context())
    assert "currency" not in write.body and write.body["lines"] == [{"description": "x"}]
    assert [each.field for each in write.dropped] == ["currency"]
