"""Quotes, sales orders and purchase orders in Connec! and in the partner app: the transaction
shape of invoices (schemas/invoices.py), with their lines."""

from __future__ import annotations

from typing import Any

from marshmallow import validate

from schemas.invoices import CONNEC_LINES, PARTNER_LINE_CHECKS, PARTNER_LINES
from schemas.shapes import (
    EntitySchemas,
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

#: the document statuses of a Connec! quote or order
STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "CLOSED", "VOIDED")


def order_schemas(
    name: str, partner_due: str, connec: dict[str, Any], partner: dict[str, Any]
) -> EntitySchemas:
    """A quote's or an order's schemas: the common transaction fields and `connec`/`partner`
    of its own; `partner_due` names the partner's counterpart of Connec!'s `due_date`."""
    return entity_schemas(
        name,
        connec={
            "status": choice(*STATUSES),
            "transaction_number": text(),
            "transaction_date": day(),
            "due_date": day(),
            "public_note": text(),
            "organization_id": ids(),
            "person_id": ids(),
            "amount": Shape({"total_amount": number(), "currency": text()}),
            "lines": CONNEC_LINES,
            **connec,
        },
        partner={
            "number": text(),
            "status": choice(*(word.lower() for word in STATUSES[:-1]), "void"),
            "company_id": ref_id(),
            "contact_id": ref_id(),
            "issue_date": day(),
            partner_due: day(),
            "currency": text(validate=validate.Length(equal=3)),
            "notes": text(),
            "lines": PARTNER_LINES,
            **partner,
        },
        partner_computed={"total": money()},
        partner_checks=PARTNER_LINE_CHECKS,
    )


QUOTES = order_schemas("Quote", "expires_on", {}, {})
SALES_ORDERS = order_schemas("SalesOrder", "due_date", {"quote_id": ids()}, {"quote_id": ref_id()})
PURCHASE_ORDERS = order_schemas("PurchaseOrder", "due_date", {}, {})
