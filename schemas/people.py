"""People in Connec! and contacts in the partner app."""

from __future__ import annotations

from schemas.shapes import (
    CONNEC_ADDRESS,
    PARTNER_ADDRESS,
    RECORD_STATUS,
    Shape,
    entity_schemas,
    flag,
    ids,
    one_of_required,
    ref_id,
    text,
)

SCHEMAS = entity_schemas(
    "Person",
    connec={
        "status": RECORD_STATUS,
        "first_name": text(),
        "last_name": text(),
        "job_title": text(),
        "organization_id": ids(),
        "is_customer": flag(),
        "is_supplier": flag(),
        "email": Shape({"address": text()}),
        "phone_work": Shape({"landline": text(), "mobile": text()}),
        "address_work": Shape({"billing": CONNEC_ADDRESS}),
    },
    partner={
        "first_name": text(),
        "last_name": text(),
        "email": text(),
        "phone": text(),
        "mobile": text(),
        "job_title": text(),
        "company_id": ref_id(),
        "is_customer": flag(),
        "is_supplier": flag(),
        "address": PARTNER_ADDRESS,
    },
    partner_checks=(one_of_required("first_name", "last_name"),),
)
