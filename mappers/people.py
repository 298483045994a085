"""People (Connec!) <-> contacts (partner)."""

from __future__ import annotations

from mappers.common import ADDRESS, ARCHIVED
from mappers.record import RecordMapping
from mappers.rules import Field, Ref, Status

MAPPING = RecordMapping(
    (
        Field("first_name", "first_name"),
        Field("last_name", "last_name"),
        Field("job_title", "job_title"),
        Field("email", "email.address"),
        Field("phone", "phone_work.landline"),
        Field("mobile", "phone_work.mobile"),
        Ref("company_id", "organization_id", "organizations"),
        Field("is_customer", "is_customer"),
        Field("is_supplier", "is_supplier"),
        Field("address", "address_work.billing", ADDRESS),
        Status("archived", "status", ARCHIVED),
    )
)
