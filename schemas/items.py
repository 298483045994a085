"""Items in Connec! and products in the partner app."""

from __future__ import annotations

from schemas.shapes import (
    CONNEC_PRICE,
    PARTNER_PRICE,
    RECORD_STATUS,
    choice,
    entity_schemas,
    flag,
    ids,
    number,
    ref_id,
    text,
)

SCHEMAS = entity_schemas(
    "Item",
    connec={
        "status": RECORD_STATUS,
        "reference": text(),
        "name": text(),
        "description": text(),
        # tolerant: Connec! has more types than the partner has kinds (all but SERVICE are goods)
        "type": text(),
        "sale_price": CONNEC_PRICE,
        "purchase_price": CONNEC_PRICE,
        "is_inventoried": flag(),
        "quantity_on_hand": number(),
        "sale_tax_code_id": ids(),
        "sale_account_id": ids(),
    },
    partner={
        "sku": text(),
        "name": text(required=True),
        "description": text(),
        "kind": choice("goods", "service"),
        "unit_price": PARTNER_PRICE,
        "cost_price": PARTNER_PRICE,
        "track_inventory": flag(),
        "quantity_on_hand": number(),
        "tax_rate_id": ref_id(),
        "revenue_account_id": ref_id(),
    },
)
