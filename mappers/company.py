"""Company (Connec!, one per group) <-> profile (partner, one per account): a singleton, read
and updated on both sides (PUT on Connec!, PATCH on the partner), never created or deleted."""

from __future__ import annotations

from mappers.common import ADDRESS
from mappers.record import RecordMapping
from mappers.rules import Field

MAPPING = RecordMapping(
    (
        Field("name", "name"),
        Field("currency", "currency"),
        Field("timezone", "timezone"),
        Field("email", "email.address"),
        Field("phone", "phone.landline"),
        Field("website", "website.url"),
        Field("address", "address", ADDRESS),
    )
)
