"""Payments (Connec!) <-> payments (partner), with their allocations to invoices.

Each allocation is one Connec! payment line paying one invoice (`linked_transactions` of one
`Invoice`). The reference partner's allocations carry no ids, so payment lines are not linked
back and a push replaces them all (`opts.sparse: false`). Payments have no status mapping.
"""

from __future__ import annotations

from mappers.common import words
from mappers.record import Lines, RecordMapping
from mappers.rules import Const, Field, Ref

KIND = words({"received": "CUSTOMER", "sent": "SUPPLIER"})

ALLOCATION = (
    Ref("invoice_id", "linked_transactions.0.id", "invoices"),
    Const("linked_transactions.0.class", "Invoice"),
    Field("amount", "amount"),
    Field("amount", "linked_transactions.0.applied_amount", writes_partner=False),
)

MAPPING = RecordMapping(
    (
        Field("kind", "type", KIND),
        Field("date", "transaction_date"),
        Field("reference", "transaction_number"),
        Field("amount", "amount.total_amount"),
        Field("currency", "amount.currency"),
        Ref("company_id", "organization_id", "organizations"),
        Ref("contact_id", "person_id", "people"),
        Lines("allocations", "payment_lines", ALLOCATION, ids=False),
    )
)
