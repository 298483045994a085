"""TrytonClient against a real Tryton 8.2: REST reads and writes, paging, buttons, errors."""

from __future__ import annotations

import datetime
import socket
from decimal import Decimal

import pytest

from connec_sync.clients.errors import (
    PermanentTargetError,
    RecordNotFound,
    TransientTargetError,
)
from providers.tryton import values

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

PARTY = "party.party"


def test_search_filters_orders_and_returns_nested_typed_fields(books):
    db = books.database
    prefix = books.unique("Search")
    for name in ("b", "a", "c"):
        books.party(f"{prefix} {name}")
    found = books.client.search(
        db,
        PARTY,
        [("name", "like", f"{prefix}%")],
        ["name", "create_date", "addresses.street"],
        [("name", "DESC")],
    )
    assert [record["name"][-1] for record in found] == ["c", "b", "a"]
    assert found[0]["addresses"][0]["street"] == "1 Main Street"
    assert isinstance(found[0]["create_date"], datetime.datetime)
    assert found[0]["create_date"].tzinfo == datetime.UTC


def test_a_domain_whose_base64_needs_padding_is_understood(books):
    # unpadded base64url in `d` is a 500 in Tryton; the client pads every domain
    name = books.unique("Padding")
    books.party(name)
    for extra in ("", "x", "xy"):  # three lengths: each base64 padding case
        domain = [("name", "in", [name, extra])]
        assert [
            r["name"] for r in books.client.search(books.database, PARTY, domain, ["name"])
        ] == [name]


def test_read_one_record_and_an_unknown_id_is_not_found(books):
    party = books.party()
    read = books.client.read(books.database, PARTY, party["id"], ["name", "active"])
    assert (read["id"], read["name"]) == (party["id"], party["name"])
    with pytest.raises(RecordNotFound):
        books.client.read(books.database, PARTY, 987654321, ["name"])


def test_create_update_and_delete_a_record(books):
    client, db = books.client, books.database
    party = books.party()
    updated = client.update(db, PARTY, party["id"], {"name": "Renamed"}, ["name"])
    assert updated["name"] == "Renamed"
    client.delete(db, PARTY, party["id"])
    with pytest.raises(RecordNotFound):
        client.read(db, PARTY, party["id"])
    with pytest.raises(RecordNotFound):
        client.delete(db, PARTY, party["id"])
    with pytest.raises(RecordNotFound):
        client.update(db, PARTY, party["id"], {"name": "Gone"})


def test_decimals_and_dates_are_written_and_read_as_python_values(books):
    day = datetime.date.today().replace(day=1)
    lines = [{"description": "Part", "quantity": 2, "unit_price": Decimal("12.3456")}]
    invoice = books.invoice(lines=lines, invoice_date=day)
    fields = ["invoice_date", "total_amount", "lines.unit_price"]
    read = books.client.read(books.database, "account.invoice", invoice["id"], fields)
    assert read["invoice_date"] == day
    assert read["lines"][0]["unit_price"] == Decimal("12.3456")
    assert read["total_amount"] == Decimal("24.69")  # rounded to the currency's 0.01


def test_the_company_context_header_is_what_lets_a_company_record_be_created(books):
    record = {
        "name": books.unique("Cash"),
        "journal": books.facts["journals"]["cash"],
        "debit_account": books.facts["accounts"]["cash"],
        "credit_account": books.facts["accounts"]["cash"],
    }
    model = "account.invoice.payment.method"
    without = books.client_with(company=None)
    try:
        with pytest.raises(PermanentTargetError) as refused:
            without.create(books.database, model, record)
    finally:
        without.close()
    assert refused.value.status == 400
    made = books.client.create(books.database, model, record, ["company"])
    assert made["company"] == books.facts["company"]


def test_a_wrong_application_key_is_a_permanent_401(books):
    client = books.client_with(api_key="not-a-key")
    try:
        with pytest.raises(PermanentTargetError) as refused:
            client.search(books.database, PARTY, fields=["name"], limit=1)
    finally:
        client.close()
    assert refused.value.status == 401


def test_range_pages_have_an_exclusive_end_and_a_counted_total(books):
    client, db = books.client, books.database
    prefix = books.unique("Page")
    made = [books.party(f"{prefix} {n}")["id"] for n in range(5)]
    domain, order = [("name", "like", f"{prefix}%")], [("id", "ASC")]
    first = client.page(db, PARTY, 0, 2, domain, ["name"], order)
    assert [r["id"] for r in first.records] == made[:2]
    assert (first.start, first.stop, first.total) == (0, 2, 5)
    last = client.page(db, PARTY, 4, 10, domain, ["name"], order)
    assert ([r["id"] for r in last.records], last.stop) == (made[4:], 5)
    assert client.page(db, PARTY, 5, 7, domain, ["name"], order).records == []
    pages = list(client.pages(db, PARTY, 2, domain, ["name"]))
    assert [[r["id"] for r in page] for page in pages] == [made[:2], made[2:4], made[4:]]


def test_search_takes_a_limit_and_an_offset(books):
    prefix = books.unique("Offset")
    made = [books.party(f"{prefix} {n}")["id"] for n in range(3)]
    found = books.client.search(
        books.database, PARTY, [("name", "like", f"{prefix}%")], ["name"], [("id", "ASC")], 1, 1
    )
    assert [r["id"] for r in found] == made[1:2]


def test_one2many_action_lists_create_write_and_delete_lines(books):
    client, db = books.client, books.database
    party = client.create(
        db,
        PARTY,
        {
            "name": books.unique("Mechanisms"),
            "contact_mechanisms": [
                values.create(
                    {"type": "email", "value": "a@example.com"},
                    {"type": "phone", "value": "+1 555"},
                )
            ],
        },
        ["contact_mechanisms"],
    )
    email, phone = party["contact_mechanisms"]
    changes = {
        "contact_mechanisms": [
            values.write([email], {"value": "b@example.com"}),
            values.delete([phone]),
            values.create({"type": "website", "value": "https://example.com"}),
        ]
    }
    client.update(db, PARTY, party["id"], changes)
    read = client.read(
        db, PARTY, party["id"], ["contact_mechanisms.type", "contact_mechanisms.value"]
    )
    assert sorted((m["type"], m["value"]) for m in read["contact_mechanisms"]) == [
        ("email", "b@example.com"),
        ("website", "https://example.com"),
    ]


def test_many2many_actions_add_and_remove_links_without_deleting(books):
    client, db = books.client, books.database
    category = client.create(db, "party.category", {"name": books.unique("Category")})
    party = books.party(categories=[values.add([category["id"]])])
    assert client.read(db, PARTY, party["id"], ["categories"])["categories"] == [category["id"]]
    client.update(db, PARTY, party["id"], {"categories": [values.remove([category["id"]])]})
    assert client.read(db, PARTY, party["id"], ["categories"])["categories"] == []
    assert client.read(db, "party.category", category["id"], ["name"])["id"] == category["id"]


def test_a_button_method_posts_an_invoice_and_answers_the_record(books):
    invoice = books.invoice()
    answer = books.client.call(books.database, "account.invoice", invoice["id"], "post")
    assert answer["id"] == invoice["id"]
    read = books.client.read(books.database, "account.invoice", invoice["id"], ["state", "number"])
    assert read["state"] == "posted" and read["number"]


def test_a_method_tryton_does_not_expose_is_a_permanent_403(books):
    party = books.party()
    with pytest.raises(PermanentTargetError) as refused:
        books.client.call(books.database, PARTY, party["id"], "delete_everything")
    assert refused.value.status == 403


def test_a_user_error_is_a_permanent_400_carrying_trytons_message(books):
    code = books.unique("SKU").replace(" ", "-")
    template = {
        "name": "Thing",
        "code": code,
        "type": "service",
        "default_uom": books.facts["unit"],
    }
    template["products"] = [values.create({})]
    books.client.create(books.database, "product.template", template)
    with pytest.raises(PermanentTargetError) as refused:
        books.client.create(books.database, "product.template", template)
    assert refused.value.status == 400
    assert refused.value.body == "Code of active product must be unique."


def test_a_server_crash_is_transient(books):
    # asking for a field the installed modules do not have crashes Tryton (a 500, not a 400)
    with pytest.raises(TransientTargetError) as crashed:
        books.client.search(books.database, PARTY, fields=["no_such_field"], limit=1)
    assert crashed.value.status == 500


def test_a_timeout_is_transient(books):
    # a server that accepts and never answers: the timeout fires whatever the machine's load (a
    # 1 µs timeout against the real server did not when the reply was in before the read)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        client = books.client_with(base_url=f"http://127.0.0.1:{port}", timeout_s=0.5)
        try:
            with pytest.raises(TransientTargetError, match="timed out"):
                client.search(books.database, PARTY, fields=["name"], limit=1)
        finally:
            client.close()


def test_a_server_that_is_not_there_is_transient(books):
    with socket.socket() as sock:  # a port nothing listens on once this block ends
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = books.client_with(base_url=f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(TransientTargetError, match="connection failed"):
            client.search(books.database, PARTY, limit=1)
    finally:
        client.close()
