"""Organizations (Connec!) <-> companies (partner)."""

from __future__ import annotations

from mappers.common import ADDRESS, ARCHIVED
from mappers.record import RecordMapping
from mappers.rules import Field, Status

MAPPING = RecordMapping(
    (
        Field("name", "name"),
        Field("email", "email.address"),
        Field("phone", "phone.landline"),
        Field("website", "website.url"),
        Field("industry", "industry"),
        Field("is_customer", "is_customer"),
        Field("is_supplier", "is_supplier"),
        Field("billing_address", "address.billing", ADDRESS),
        Field("shipping_address", "address.shipping", ADDRESS),
        Status("archived", "status", ARCHIVED),
    )
)
