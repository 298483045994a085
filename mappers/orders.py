"""Quotes, sales orders and purchase orders (Connec!) <-> the same resources (partner): the
transaction shape of invoices, lines included (mappers/invoices.py). A sales order refers to
the quote it came from; a purchase order's company is its supplier. `total` is computed by the
partner: read into Connec!, never written to it. One deleted in the partner app is VOIDED.
"""

from __future__ import annotations

from mappers.common import words
from mappers.invoices import LINE
from mappers.record import Lines, RecordMapping
from mappers.rules import Field, Ref, Status

STATUS = words(
    {
        "draft": "DRAFT",
        "submitted": "SUBMITTED",
        "authorised": "AUTHORISED",
        "closed": "CLOSED",
        "void": "VOIDED",
    }
)


def order_mapping(partner_due: str, *more: object) -> RecordMapping:
    """The mapping of a quote or an order; `partner_due` is the partner's `due_date`."""
    return RecordMapping(
        (
            Field("number", "transaction_number"),
            Status("status", "status", STATUS),
            Ref("company_id", "organization_id", "organizations"),
            Ref("contact_id", "person_id", "people"),
            Field("issue_date", "transaction_date"),
            Field(partner_due, "due_date"),
            Field("currency", "amount.currency"),
            Field("notes", "public_note"),
            Field("total", "amount.total_amount", writes_partner=False),
            *more,
            Lines("lines", "lines", LINE),
        ),
        archive_status="VOIDED",
    )


QUOTES = order_mapping("expires_on")
SALES_ORDERS = order_mapping("due_date", Ref("quote_id", "quote_id", "quotes"))
PURCHASE_ORDERS = order_mapping("due_date")
