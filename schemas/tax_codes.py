"""Tax codes in Connec! and tax rates in the partner app."""

from __future__ import annotations

from schemas.shapes import RECORD_STATUS, entity_schemas, number, text

SCHEMAS = entity_schemas(
    "TaxCode",
    connec={
        "status": RECORD_STATUS,
        "code": text(),
        "name": text(),
        "sale_tax_rate": number(),
        "purchase_tax_rate": number(),
    },
    partner={
        "code": text(),
        "name": text(required=True),
        "sale_rate": number(),
        "purchase_rate": number(),
    },
)
