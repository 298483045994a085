"""Tryton's JSON object types both ways, x2many action lists, and the client's pure helpers."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from providers.tryton import values
from providers.tryton.protocol import Page, context_header, page_of, user_error_message, wizard_form

pytestmark = pytest.mark.timeout(10)

UTC = datetime.UTC


def test_decimals_dates_times_and_bytes_encode_as_tryton_objects():
    body = {
        "price": Decimal("12.50"),
        "day": datetime.date(2026, 3, 4),
        "at": datetime.datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC),
        "opens": datetime.time(8, 30),
        "lasts": datetime.timedelta(minutes=2),
        "logo": b"\x00png",
    }
    assert values.encode(body) == {
        "price": {"__class__": "Decimal", "decimal": "12.50"},
        "day": {"__class__": "date", "year": 2026, "month": 3, "day": 4},
        "at": {
            "__class__": "datetime",
            **dict(year=2026, month=3, day=4, hour=5, minute=6, second=7, microsecond=890),
        },
        "opens": {"__class__": "time", "hour": 8, "minute": 30, "second": 0, "microsecond": 0},
        "lasts": {"__class__": "timedelta", "seconds": 120.0},
        "logo": {"__class__": "bytes", "base64": "AHBuZw=="},
    }


def test_every_type_comes_back_equal_after_a_json_round_trip():
    original = [
        Decimal("-0.001"),
        datetime.date(1999, 12, 31),
        datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime.time(23, 59, 59, 999999),
        datetime.timedelta(days=1, seconds=1),
        b"\xff" * 100,
        {"nested": [Decimal("1"), None, True, "text"]},
    ]
    assert values.decode(json.loads(json.dumps(values.encode(original)))) == original


def test_an_aware_datetime_is_written_in_utc_and_a_naive_one_as_it_is():
    paris = datetime.timezone(datetime.timedelta(hours=2))
    aware = values.encode(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=paris))
    naive = values.encode(datetime.datetime(2026, 6, 1, 12, 0))
    assert (aware["hour"], naive["hour"]) == (10, 12)


def test_datetimes_read_back_are_aware_utc():
    read = values.decode({"__class__": "datetime", "year": 2026, "month": 6, "day": 1, "hour": 9})
    assert read == datetime.datetime(2026, 6, 1, 9, tzinfo=UTC)


def test_base64_with_line_breaks_as_tryton_writes_it_decodes():
    assert values.decode({"__class__": "bytes", "base64": "AHBu\nZw==\n"}) == b"\x00png"


def test_tuples_and_sets_become_lists_and_tuples_in_domains_survive():
    domain = [("write_date", ">=", datetime.date(2026, 1, 1)), ("id", "in", {3})]
    assert values.encode(domain) == [
        ["write_date", ">=", {"__class__": "date", "year": 2026, "month": 1, "day": 1}],
        ["id", "in", [3]],
    ]


def test_an_unknown_class_is_left_as_a_plain_dict():
    other = {"__class__": "Point", "x": 1}
    assert values.decode(other) == other


@pytest.mark.parametrize(
    "bad",
    [
        {"__class__": "Decimal", "decimal": "twelve"},
        {"__class__": "Decimal", "decimal": None},
        {"__class__": "date", "year": 2026, "month": 13, "day": 1},
        {"__class__": "datetime", "year": 2026},
        {"__class__": "bytes", "base64": 12},
    ],
)
def test_a_malformed_tryton_object_is_a_clear_error(bad):
    with pytest.raises(values.UndecodableValue, match=f"not a Tryton {bad['__class__']}"):
        values.decode({"field": bad})


@pytest.mark.parametrize("number", [Decimal("NaN"), Decimal("Infinity")])
def test_a_decimal_tryton_cannot_store_is_refused(number):
    with pytest.raises(ValueError, match="Tryton has no Decimal"):
        values.encode({"price": number})


def test_action_lists_have_tryton_shapes():
    assert values.create({"a": 1}, {"b": 2}) == ["create", [{"a": 1}, {"b": 2}]]
    assert values.write((4, 5), {"a": 1}) == ["write", [4, 5], {"a": 1}]
    assert values.delete([6]) == ["delete", [6]]
    assert values.add([7]) == ["add", [7]]
    assert values.remove([8]) == ["remove", [8]]


def test_the_context_header_is_padded_base64url_json():
    header = context_header({"company": 1})  # 14 bytes of JSON: needs padding
    assert header.endswith("=")
    assert json.loads(__import__("base64").urlsafe_b64decode(header)) == {"company": 1}


@pytest.mark.parametrize(
    ("content_range", "expected"),
    [
        ("records 0-2/4", Page([], 0, 2, 4)),
        ("records 10-20/*", Page([], 10, 20, None)),
        (None, Page([], 5, 5, None)),
        ("bytes 0-1/2", Page([], 5, 5, None)),
    ],
)
def test_content_range_gives_the_page_bounds_and_total(content_range, expected):
    assert page_of([], content_range, 5) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"status": 400, "message": "Code is taken.", "description": ""}', "Code is taken."),
        ('{"message": "No.", "description": "Ask an admin."}', "No. (Ask an admin.)"),
        ("<html>Bad Request</html>", "<html>Bad Request</html>"),
        ('["no", "message"]', '["no", "message"]'),
    ],
)
def test_a_400_answer_gives_trytons_message_or_the_raw_body(body, message):
    assert user_error_message(body) == message


def test_a_wizard_form_drops_the_display_name_entries_of_its_defaults():
    defaults = {"payee": 7, "payee.": {"rec_name": "Acme"}, "amount": 10}
    assert wizard_form(defaults) == {"payee": 7, "amount": 10}
