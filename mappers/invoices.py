"""Invoices (Connec!) <-> invoices (partner), with their lines.

The Connec! `status` of an invoice is its document status, mapped to the partner's `status`;
the partner's `archived` flag has no Connec! counterpart and is left alone both ways. An invoice
deleted in the partner app is VOIDED in Connec! (ARCHIVED is not an invoice status there).
`total` and `balance` are computed by the partner: read into Connec!, never written to it.
"""

from __future__ import annotations

from mappers.common import words
from mappers.record import Lines, RecordMapping
from mappers.rules import Field, Ref, Status

KIND = words({"sale": "CUSTOMER", "purchase": "SUPPLIER"})
STATUS = words(
    {
        "draft": "DRAFT",
        "submitted": "SUBMITTED",
        "authorised": "AUTHORISED",
        "paid": "PAID",
        "void": "VOIDED",
    }
)

LINE = (
    Ref("product_id", "item_id", "items"),
    Field("description", "description"),
    Field("quantity", "quantity"),
    Field("unit_amount", "unit_price.net_amount"),
    Field("tax_rate", "unit_price.tax_rate"),
    Ref("tax_rate_id", "tax_code_id", "tax_codes"),
    Field("discount_percent", "reduction_percent"),
)

MAPPING = RecordMapping(
    (
        Field("number", "transaction_number"),
        Field("kind", "type", KIND),
        Status("status", "status", STATUS),
        Ref("company_id", "organization_id", "organizations"),
        Ref("contact_id", "person_id", "people"),
        Field("issue_date", "transaction_date"),
        Field("due_date", "due_date"),
        Field("currency", "amount.currency"),
        Field("notes", "public_note"),
        Field("total", "amount.total_amount", writes_partner=False),
        Field("balance", "balance", writes_partner=False),
        Lines("lines", "lines", LINE),
    ),
    archive_status="VOIDED",
)
