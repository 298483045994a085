"""Items (Connec!) <-> products (partner)."""

from __future__ import annotations

from mappers.common import ARCHIVED, PRICE, words
from mappers.record import RecordMapping
from mappers.rules import Field, Ref, Status

#: product kind <-> item type; every other Connec! type (INVENTORY, ...) is goods
KIND = words({"goods": "PURCHASED", "service": "SERVICE"}, otherwise="goods")

MAPPING = RecordMapping(
    (
        Field("sku", "reference"),
        Field("name", "name"),
        Field("description", "description"),
        Field("kind", "type", KIND),
        Field("unit_price", "sale_price", PRICE),
        Field("cost_price", "purchase_price", PRICE),
        Field("track_inventory", "is_inventoried"),
        Field("quantity_on_hand", "quantity_on_hand"),
        Ref("tax_rate_id", "sale_tax_code_id", "tax_codes"),
        Ref("revenue_account_id", "sale_account_id", "accounts"),
        Status("archived", "status", ARCHIVED),
    )
)
