"""Employees in Connec! and in the partner app."""

from __future__ import annotations

from schemas.shapes import (
    CONNEC_ADDRESS,
    PARTNER_ADDRESS,
    RECORD_STATUS,
    Shape,
    day,
    entity_schemas,
    one_of_required,
    text,
)

SCHEMAS = entity_schemas(
    "Employee",
    connec={
        "status": RECORD_STATUS,
        "first_name": text(),
        "last_name": text(),
        "job_title": text(),
        "email": Shape({"address": text()}),
        "phone": Shape({"landline": text(), "mobile": text()}),
        "hired_date": day(),
        "birth_date": day(),
        "address": CONNEC_ADDRESS,
    },
    partner={
        "first_name": text(),
        "last_name": text(),
        "job_title": text(),
        "email": text(),
        "phone": text(),
        "mobile": text(),
        "start_date": day(),
        "birth_date": day(),
        "address": PARTNER_ADDRESS,
    },
    partner_checks=(one_of_required("first_name", "last_name"),),
)
