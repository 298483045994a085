"""Organizations in Connec! and companies in the partner app."""

from __future__ import annotations

from schemas.shapes import (
    CONNEC_ADDRESS,
    PARTNER_ADDRESS,
    RECORD_STATUS,
    Shape,
    entity_schemas,
    flag,
    text,
)

SCHEMAS = entity_schemas(
    "Organization",
    connec={
        "status": RECORD_STATUS,
        "name": text(),
        "industry": text(),
        "is_customer": flag(),
        "is_supplier": flag(),
        "email": Shape({"address": text()}),
        "phone": Shape({"landline": text()}),
        "website": Shape({"url": text()}),
        "address": Shape({"billing": CONNEC_ADDRESS, "shipping": CONNEC_ADDRESS}),
    },
    partner={
        "name": text(required=True),
        "email": text(),
        "phone": text(),
        "website": text(),
        "industry": text(),
        "is_customer": flag(),
        "is_supplier": flag(),
        "billing_address": PARTNER_ADDRESS,
        "shipping_address": PARTNER_ADDRESS,
    },
)
