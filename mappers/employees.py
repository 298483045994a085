"""Employees (Connec!) <-> employees (partner)."""

from __future__ import annotations

from mappers.common import ADDRESS, ARCHIVED
from mappers.record import RecordMapping
from mappers.rules import Field, Status

MAPPING = RecordMapping(
    (
        Field("first_name", "first_name"),
        Field("last_name", "last_name"),
        Field("job_title", "job_title"),
        Field("email", "email.address"),
        Field("phone", "phone.landline"),
        Field("mobile", "phone.mobile"),
        Field("start_date", "hired_date"),
        Field("birth_date", "birth_date"),
        Field("address", "address", ADDRESS),
        Status("archived", "status", ARCHIVED),
    )
)
