"""Payments in Connec! and in the partner app, with their allocations to invoices."""

from __future__ import annotations

from marshmallow import validate

from schemas.shapes import (
    TRANSACTION_TYPE,
    Shape,
    choice,
    day,
    entity_schemas,
    ids,
    money,
    number,
    ref_id,
    text,
)

#: a payment line pays one invoice: the partner's allocations cannot hold more
LINKED_INVOICE = Shape(
    {"id": ids(), "class": choice("Invoice"), "applied_amount": number()},
    many=True,
    validate=validate.Length(max=1),
)

SCHEMAS = entity_schemas(
    "Payment",
    connec={
        "type": TRANSACTION_TYPE,
        "transaction_number": text(),
        "transaction_date": day(),
        "organization_id": ids(),
        "person_id": ids(),
        "amount": Shape({"total_amount": number(), "currency": text()}),
        "payment_lines": Shape(
            {"id": ids(), "amount": number(), "linked_transactions": LINKED_INVOICE}, many=True
        ),
    },
    partner={
        "kind": choice("received", "sent"),
        "date": day(),
        "reference": text(),
        "amount": money(),
        "currency": text(validate=validate.Length(equal=3)),
        "company_id": ref_id(),
        "contact_id": ref_id(),
        "allocations": Shape({"invoice_id": ref_id(required=True), "amount": money()}, many=True),
    },
    # which invoices a payment pays is never guessed: an unreadable allocation refuses it
    essential=("payment_lines.*.linked_transactions", "allocations"),
)
