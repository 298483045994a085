"""Opportunities (Connec!) <-> deals (partner)."""

from __future__ import annotations

from mappers.common import ARCHIVED
from mappers.record import RecordMapping
from mappers.rules import Field, Ref, Status

MAPPING = RecordMapping(
    (
        Field("name", "name"),
        Field("description", "description"),
        Field("amount", "amount.total_amount"),
        Field("currency", "amount.currency"),
        Field("probability", "probability"),
        Field("stage", "sales_stage"),
        Field("expected_close_date", "expected_close_date"),
        Ref("company_id", "organization_id", "organizations"),
        Ref("contact_id", "person_id", "people"),
        Status("archived", "status", ARCHIVED),
    )
)
