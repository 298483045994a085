"""Items as Tryton product templates (`product.template`) with their one variant
(`product.product`), and back.

The template has the name, the code (Connec!'s reference), the type (goods or service), the
sale price (`list_price`), the unit and an accounting category (invoice lines take their
accounts from it); the variant the description, the cost price (for the
context's company) and the identifier that keeps our idempotency key. Taxes of an item come
from a product category in Tryton; Connec!'s tax rates on prices are not carried."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from providers.tryton import values
from providers.tryton.books import Books
from providers.tryton.records import Records, common_flat

TEMPLATE_FIELDS = (
    "name",
    "code",
    "type",
    "list_price",
    "active",
    "create_date",
    "write_date",
    "products.description",
    "products.cost_price",
    "products.identifiers.code",
)
#: flat fields written to the template, and to its variant
TEMPLATE_VALUES, VARIANT_VALUES = ("name", "code", "list_price"), ("description", "cost_price")


@dataclass(frozen=True)
class Products(Records):
    model: str = "product.template"
    key_field: str = "products.identifiers.code"

    @property
    def fields(self) -> tuple[str, ...]:
        return TEMPLATE_FIELDS

    def created(self, body: dict[str, Any], books: Books, code: str) -> dict[str, Any]:
        template, variant = _split(body)
        variant["identifiers"] = [values.create({"code": code})]
        template |= {"default_uom": books.unit(), "type": body.get("kind") or "goods"}
        template["account_category"] = books.item_category()
        template.setdefault("list_price", Decimal(0))
        return {**template, "products": [values.create(variant)]}

    def changes(self, body: dict[str, Any], books: Books, current: dict) -> dict[str, Any]:
        template, variant = _split(body)
        read = _variant(current)
        if read is not None:
            variant = {name: v for name, v in variant.items() if _differs(read.get(name), v)}
        template = {name: v for name, v in template.items() if _differs(current.get(name), v)}
        if variant and read is not None:
            template["products"] = [values.write([read["id"]], variant)]
        return template

    def flat(self, record: dict[str, Any], books: Books) -> dict[str, Any]:
        variant = _variant(record) or {}
        return {
            **common_flat(record),
            "name": record.get("name"),
            "code": record.get("code") or None,
            "kind": record.get("type") if record.get("type") in ("goods", "service") else None,
            "description": variant.get("description") or None,
            "list_price": _amount(record.get("list_price")),
            "cost_price": _amount(variant.get("cost_price")),
        }


def _split(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The template's values and the variant's in a flat body."""
    template = {name: _money(name, body[name]) for name in TEMPLATE_VALUES if name in body}
    if body.get("kind"):
        template["type"] = body["kind"]
    variant = {name: _money(name, body[name]) for name in VARIANT_VALUES if name in body}
    return template, variant


def _variant(record: dict[str, Any]) -> dict[str, Any] | None:
    products = record.get("products") or ()
    return products[0] if products else None


def _money(name: str, value: Any) -> Any:
    if name.endswith("_price"):
        return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))
    return value


def _amount(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _differs(read: Any, written: Any) -> bool:
    if isinstance(written, Decimal) and read is not None:
        return Decimal(str(read)) != written
    return bool(read != written)
