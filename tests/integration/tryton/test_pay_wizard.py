"""Paying invoices through the pay wizard over JSON-RPC, on a real Tryton."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from connec_sync.clients.errors import PermanentTargetError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

INVOICE = "account.invoice"
PAID_FIELDS = [
    "state",
    "amount_to_pay",
    "reconciled",
    "payment_lines.credit",
    "payment_lines.debit",
    "payment_lines.reconciliation",
    "payment_lines.date",
]


def pay(books, invoice_id, amount, on=None):
    books.client.pay_invoice(
        books.database,
        invoice_id,
        Decimal(amount),
        books.facts["payment_method"],
        on or datetime.date.today(),
        "Payment",
    )
    return books.client.read(books.database, INVOICE, invoice_id, PAID_FIELDS)


def test_a_full_payment_marks_a_customer_invoice_paid_with_a_reconciled_line(books):
    invoice = books.posted_invoice()
    paid = pay(books, invoice["id"], "10")
    assert paid["state"] == "paid" and paid["amount_to_pay"] == 0
    (line,) = paid["payment_lines"]
    assert line["credit"] == Decimal(10) and line["reconciliation"] is not None
    assert line["date"] == datetime.date.today()


def test_a_partial_payment_leaves_the_rest_to_pay_and_a_second_one_settles_it(books):
    invoice = books.posted_invoice()
    part = pay(books, invoice["id"], "4")
    assert (part["state"], part["amount_to_pay"]) == ("posted", Decimal("6.00"))
    assert [line["reconciliation"] for line in part["payment_lines"]] == [None]
    rest = pay(books, invoice["id"], "6")
    assert rest["state"] == "paid"
    assert sorted(line["credit"] for line in rest["payment_lines"]) == [Decimal(4), Decimal(6)]
    assert all(line["reconciliation"] for line in rest["payment_lines"])


def test_a_supplier_invoice_is_paid_with_a_debit_line(books):
    invoice = books.posted_invoice("in")
    paid = pay(books, invoice["id"], "10")
    assert paid["state"] == "paid"
    assert [line["debit"] for line in paid["payment_lines"]] == [Decimal(10)]


def test_paying_a_paid_invoice_again_is_a_permanent_error_with_trytons_message(books):
    invoice = books.posted_invoice()
    pay(books, invoice["id"], "10")
    with pytest.raises(PermanentTargetError, match="no more left to pay") as refused:
        pay(books, invoice["id"], "1")
    assert refused.value.status == 400


def test_the_wizard_refuses_a_wrong_password_as_a_permanent_401(books):
    invoice = books.posted_invoice()
    client = books.client_with(login="admin", password="wrong password")
    try:
        with pytest.raises(PermanentTargetError) as refused:
            client.pay_invoice(
                books.database,
                invoice["id"],
                Decimal(10),
                books.facts["payment_method"],
                datetime.date.today(),
            )
    finally:
        client.close()
    assert refused.value.status == 401
    read = books.client.read(books.database, INVOICE, invoice["id"], ["state"])
    assert read["state"] == "posted"
