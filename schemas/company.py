"""The company of a Connec! group and the profile of a partner account: one record each side."""

from __future__ import annotations

from marshmallow import validate

from schemas.shapes import CONNEC_ADDRESS, PARTNER_ADDRESS, Shape, entity_schemas, text

SCHEMAS = entity_schemas(
    "Company",
    connec={
        "name": text(),
        "currency": text(),
        "timezone": text(),
        "email": Shape({"address": text()}),
        "phone": Shape({"landline": text()}),
        "website": Shape({"url": text()}),
        "address": CONNEC_ADDRESS,
    },
    partner={
        "name": text(),
        "currency": text(validate=validate.Length(equal=3)),
        "timezone": text(),
        "email": text(),
        "phone": text(),
        "website": text(),
        "address": PARTNER_ADDRESS,
    },
)
