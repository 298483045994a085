"""Invoices and payments with a real Tryton, both ways: an invoice with two lines made in
Connec! is posted in Tryton where Connec! says so, its taxes resolved from rates; its payment
runs the pay wizard and leaves it paid; draft invoices are edited and cancelled, posted ones
refuse changes; an invoice paid in Tryton reaches Connec! with its payment through the poller."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest

from providers.tryton import values
from tests.integration.tryton.world import DATABASE, TrytonWorld, world

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

INVOICE = "account.invoice"
FIELDS = [
    "type",
    "state",
    "number",
    "reference",
    "party",
    "journal",
    "account",
    "total_amount",
    "amount_to_pay",
    "lines.description",
    "lines.quantity",
    "lines.unit_price",
    "lines.product.template",
    "lines.taxes",
    "lines.account",
]


@pytest.fixture
def tryton_world(tryton, sqlite_store_url) -> Iterator[TrytonWorld]:
    login = {"login": "admin", "password": tryton.admin_password, "overlap_s": 0}
    with world(tryton, sqlite_store_url, **login) as running:
        yield running


def connec_id(record):
    return next(entry["id"] for entry in record["id"] if entry["provider"] == "connec")


def linked(tryton_world, collection, record):
    verdict = tryton_world.from_connec(collection, record)
    assert verdict.outcome == "applied", verdict.error
    return int(tryton_world.partner_id(collection, connec_id(record)))


def customer_and_item(tryton_world, books):
    company = tryton_world.in_connec(
        "organizations", id=books.unique("o"), name=books.unique("Customer")
    )
    item = tryton_world.in_connec(
        "items", id=books.unique("i"), name="Widget", reference=books.unique("W").replace(" ", "")
    )
    return (
        company,
        item,
        linked(tryton_world, "organizations", company),
        linked(tryton_world, "items", item),
    )


def invoice_record(books, company, item, **fields):
    return {
        "id": books.unique("inv"),
        "type": "CUSTOMER",
        "status": "AUTHORISED",
        "transaction_number": books.unique("INV"),
        "transaction_date": datetime.date.today().isoformat(),
        "organization_id": company["id"],
        "amount": {"currency": "USD"},
        "lines": [
            {
                "item_id": item["id"],
                "description": "Widgets",
                "quantity": 2,
                "unit_price": {"net_amount": 10, "tax_rate": 10},
            },
            {"description": "Delivery", "quantity": 1, "unit_price": {"net_amount": 5.5}},
        ],
        **fields,
    }


def test_an_invoice_with_two_lines_is_posted_in_tryton_and_its_payment_makes_it_paid(
    tryton_world, books
):
    company, item, party, template = customer_and_item(tryton_world, books)
    invoice = tryton_world.in_connec("invoices", **invoice_record(books, company, item))
    number = linked(tryton_world, "invoices", invoice)
    made = books.client.read(DATABASE, INVOICE, number, FIELDS)
    assert (made["type"], made["state"], made["party"]) == ("out", "posted", party)
    assert made["reference"] == invoice["transaction_number"] and made["number"]
    assert made["journal"] == books.facts["journals"]["revenue"]
    assert made["account"] == books.facts["accounts"]["receivable"]
    widgets, delivery = made["lines"]
    assert widgets["product"]["template"] == template
    assert (widgets["quantity"], widgets["unit_price"]) == (2.0, Decimal("10"))
    assert widgets["taxes"] == [books.facts["taxes"][0]["id"]]  # Sales tax 10%
    assert (delivery["description"], delivery["taxes"]) == ("Delivery", [])
    assert made["total_amount"] == Decimal("27.50")  # 20 + 2 tax + 5.50
    assert tryton_world.link_backs.flush() == 3
    lines = tryton_world.connec_record("invoices", str(number))["lines"]
    assert [
        {"id": str(line["id"]), "provider": "tryton", "realm": DATABASE} in connec_line["id"]
        for line, connec_line in zip(made["lines"], lines, strict=True)
    ] == [True, True]

    payment = tryton_world.in_connec(
        "payments",
        id=books.unique("pay"),
        type="CUSTOMER",
        transaction_date=datetime.date.today().isoformat(),
        amount={"total_amount": 27.5},
        payment_lines=[
            {"amount": 27.5, "linked_transactions": [{"id": invoice["id"], "class": "Invoice"}]}
        ],
    )
    line = linked(tryton_world, "payments", payment)
    paid = books.client.read(DATABASE, INVOICE, number, ["state", "payment_lines"])
    assert paid == {**paid, "state": "paid", "payment_lines": [line]}
    again = tryton_world.from_connec("payments", payment)  # the same version: stale
    assert again.outcome == "skipped"


def test_a_payment_create_repeated_with_its_key_finds_the_line_it_booked(tryton_world, books):
    invoice = books.posted_invoice()
    partner = tryton_world.handlers[("payments", "to-app")].pipeline.targets.partner
    body = {"allocations": [{"invoice_id": str(invoice["id"]), "amount": 4}], "amount": 4}
    key = books.unique("key")
    first = partner.create(DATABASE, "payments", body, key)
    assert partner.create(DATABASE, "payments", body, key)["id"] == first["id"]
    read = books.client.read(DATABASE, INVOICE, invoice["id"], ["payment_lines", "amount_to_pay"])
    assert read["payment_lines"] == [int(first["id"])]
    assert read["amount_to_pay"] == Decimal("6.00")  # a partial payment of the 10.00 invoice
    assert first["allocations"] == [{"invoice_id": str(invoice["id"]), "amount": 4.0}]


def test_an_invoice_create_repeated_with_its_key_finds_the_first_even_without_a_reference(
    tryton_world, books
):
    party = books.party()
    partner = tryton_world.handlers[("invoices", "to-app")].pipeline.targets.partner
    line = {"description": "Hours", "quantity": 2, "unit_price": 15}
    with_lines = {"kind": "out", "status": "draft", "party_id": str(party["id"]), "lines": [line]}
    without_lines = {**with_lines, "lines": []}
    key, other_key = books.unique("key"), books.unique("key")
    first = partner.create(DATABASE, "invoices", with_lines, key)
    assert partner.create(DATABASE, "invoices", with_lines, key)["id"] == first["id"]
    blank = partner.create(DATABASE, "invoices", without_lines, other_key)
    assert partner.create(DATABASE, "invoices", without_lines, other_key)["id"] == blank["id"]
    made = books.client.search(
        DATABASE, INVOICE, [("party", "=", party["id"])], ["lines.note", "description"]
    )
    keys = {invoice["id"]: invoice for invoice in made}
    assert sorted(keys) == sorted([int(first["id"]), int(blank["id"])])
    assert keys[int(first["id"])]["lines"][0]["note"].endswith(key)  # off the printed invoice
    assert keys[int(blank["id"])]["description"].endswith(other_key)


def test_a_draft_invoice_is_edited_validated_and_cancelled_and_a_posted_one_refuses_changes(
    tryton_world, books
):
    company, item, _party, _template = customer_and_item(tryton_world, books)
    record = invoice_record(books, company, item, status="DRAFT")
    invoice = tryton_world.in_connec("invoices", **record)
    number = linked(tryton_world, "invoices", invoice)
    assert books.client.read(DATABASE, INVOICE, number, ["state"])["state"] == "draft"
    tryton_world.link_backs.flush()
    current = tryton_world.connec_record("invoices", str(number))
    lines = current["lines"]
    lines[0] = {**lines[0], "quantity": 3}
    lines[1] = {**lines[1], "unit_price": {"net_amount": 7}}
    lines.append({"description": "Gift wrap", "quantity": 1, "unit_price": {"net_amount": 1}})
    group = current["group_id"]

    def edited(**changes):
        updated = tryton_world.connec.state.user_edit(
            group, "invoices", connec_id(current), changes
        )
        return tryton_world.from_connec("invoices", updated)

    verdict = edited(lines=lines, status="SUBMITTED")
    assert verdict.outcome == "applied", verdict.error
    made = books.client.read(DATABASE, INVOICE, number, FIELDS)
    assert made["state"] == "validated"
    assert [(line["quantity"], line["unit_price"]) for line in made["lines"]] == [
        (3.0, Decimal("10")),
        (1.0, Decimal("7")),
        (1.0, Decimal("1")),
    ]
    assert edited(status="VOIDED").outcome == "applied"
    assert books.client.read(DATABASE, INVOICE, number, ["state"])["state"] == "cancelled"

    posted = tryton_world.in_connec("invoices", **invoice_record(books, company, item))
    posted_number = linked(tryton_world, "invoices", posted)
    group = posted["group_id"]
    changed = tryton_world.connec.state.user_edit(
        group, "invoices", connec_id(posted), {"public_note": "too late"}
    )
    verdict = tryton_world.from_connec("invoices", changed)
    assert (verdict.outcome, verdict.reason) == ("dead_lettered", "permanent_error")
    assert f"invoice {posted_number} is posted" in verdict.error


def test_a_supplier_invoice_uses_the_expense_journal_and_the_payable_account(tryton_world, books):
    company, item, _party, _template = customer_and_item(tryton_world, books)
    record = invoice_record(books, company, item, type="SUPPLIER")
    number = linked(tryton_world, "invoices", tryton_world.in_connec("invoices", **record))
    made = books.client.read(DATABASE, INVOICE, number, FIELDS)
    assert (made["type"], made["state"]) == ("in", "posted")
    assert made["journal"] == books.facts["journals"]["expense"]
    assert made["account"] == books.facts["accounts"]["payable"]
    assert made["lines"][0]["taxes"] == [books.facts["taxes"][2]["id"]]  # Purchase tax 10%


def test_an_invoice_paid_in_tryton_reaches_connec_with_its_payment(tryton_world, books):
    poller = tryton_world.poller()
    poller.poll_all()
    poller.publisher.batches.clear()
    company = tryton_world.in_connec(
        "organizations", id=books.unique("o"), name=books.unique("Customer")
    )
    party = linked(tryton_world, "organizations", company)
    assert tryton_world.link_backs.flush() == 1  # Connec! knows the party as ours
    line = {"description": "Work", "quantity": 1.0, "unit_price": Decimal(40)}
    address = {"addresses": [values.create({"street": "1 Road"})]}
    made = books.client.update(DATABASE, "party.party", party, address, ["addresses"])
    invoice = books.invoice(
        lines=[line], party=party, invoice_address=made["addresses"][0], reference="T-1"
    )
    books.client.call(DATABASE, INVOICE, invoice["id"], "post")
    books.client.pay_invoice(
        DATABASE, invoice["id"], Decimal(40), books.facts["payment_method"], datetime.date.today()
    )
    counts = poller.poll_all()[DATABASE]
    assert (counts["organizations"], counts["invoices"], counts["payments"]) == (1, 1, 1)
    verdicts = tryton_world.apply_polled(poller)
    assert [v.outcome for v in verdicts] == ["applied"] * 3, verdicts  # the address is new
    connec_invoice = tryton_world.connec_record("invoices", str(invoice["id"]))
    assert (connec_invoice["type"], connec_invoice["status"]) == ("CUSTOMER", "PAID")
    assert connec_invoice["transaction_number"] == "T-1"
    assert connec_invoice["amount"]["total_amount"] == 40
    assert connec_invoice["balance"] == 0
    [line] = connec_invoice["lines"]
    assert (line["description"], line["quantity"]) == ("Work", 1)
    [payment_line] = books.client.read(DATABASE, INVOICE, invoice["id"], ["payment_lines"])[
        "payment_lines"
    ]
    payment = tryton_world.connec_record("payments", str(payment_line))
    assert payment["type"] == "CUSTOMER"
    assert payment["amount"]["total_amount"] == 40
    [allocation] = payment["payment_lines"]
    assert allocation["linked_transactions"][0]["id"] == connec_invoice["id"]
