"""Invoices in Connec! and in the partner app, with their lines."""

from __future__ import annotations

from marshmallow import validate

from schemas.shapes import (
    CONNEC_PRICE,
    TRANSACTION_TYPE,
    Shape,
    choice,
    day,
    each_line,
    entity_schemas,
    ids,
    money,
    number,
    one_of_required,
    ref_id,
    text,
)

#: the lines of an invoice, a quote or an order in Connec!
CONNEC_LINES = Shape(
    {
        "id": ids(),
        "item_id": ids(),
        "description": text(),
        "quantity": number(),
        "unit_price": CONNEC_PRICE,
        "tax_code_id": ids(),
        "reduction_percent": number(),
    },
    many=True,
)
#: the lines of an invoice, a quote or an order in the partner app
PARTNER_LINES = Shape(
    {
        "id": ref_id(),
        "product_id": ref_id(),
        "description": text(),
        "quantity": number(),
        "unit_amount": money(),
        "tax_rate": number(),
        "tax_rate_id": ref_id(),
        "discount_percent": number(),
    },
    many=True,
)

#: a line the partner can show needs a product or words
PARTNER_LINE_CHECKS = (each_line("lines", one_of_required("product_id", "description")),)

#: the document statuses of a Connec! invoice
STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED")

SCHEMAS = entity_schemas(
    "Invoice",
    connec={
        "type": TRANSACTION_TYPE,
        "status": choice(*STATUSES),
        "transaction_number": text(),
        "transaction_date": day(),
        "due_date": day(),
        "public_note": text(),
        "organization_id": ids(),
        "person_id": ids(),
        "amount": Shape({"total_amount": number(), "currency": text()}),
        "balance": number(),
        "lines": CONNEC_LINES,
    },
    partner={
        "number": text(),
        "kind": choice("sale", "purchase"),
        "status": choice("draft", "submitted", "authorised", "paid", "void"),
        "company_id": ref_id(),
        "contact_id": ref_id(),
        "issue_date": day(),
        "due_date": day(),
        "currency": text(validate=validate.Length(equal=3)),
        "notes": text(),
        "lines": PARTNER_LINES,
    },
    partner_computed={"total": money(), "balance": money()},
    partner_checks=PARTNER_LINE_CHECKS,
)
