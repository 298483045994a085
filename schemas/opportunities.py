"""Opportunities in Connec! and deals in the partner app."""

from __future__ import annotations

from marshmallow import validate

from schemas.shapes import (
    RECORD_STATUS,
    Shape,
    day,
    entity_schemas,
    ids,
    money,
    number,
    ref_id,
    text,
)

SCHEMAS = entity_schemas(
    "Opportunity",
    connec={
        "status": RECORD_STATUS,
        "name": text(),
        "description": text(),
        "amount": Shape({"total_amount": number(), "currency": text()}),
        "probability": number(),
        "sales_stage": text(),
        "expected_close_date": day(),
        "organization_id": ids(),
        "person_id": ids(),
    },
    partner={
        "name": text(required=True),
        "description": text(),
        "amount": money(),
        "currency": text(validate=validate.Length(equal=3)),
        "probability": number(),
        "stage": text(),
        "expected_close_date": day(),
        "company_id": ref_id(),
        "contact_id": ref_id(),
    },
)
