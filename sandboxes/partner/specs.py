"""The reference partner API's resources (docs/partner-api.md §3): their fields and defaults.
Validation (422) is sandboxes/partner/resources.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    kind: str  # str bool num date enum ref address money lines allocations
    choices: tuple[str, ...] = ()
    target: str = ""


STR, BOOL, NUM, DATE = Field("str"), Field("bool"), Field("num"), Field("date")
ADDRESS, MONEY = Field("address"), Field("money")
ADDRESS_KEYS = ("street", "street2", "city", "state", "postcode", "country")
MONEY_KEYS = ("amount", "currency", "tax_rate")
LINE_FIELDS = {
    "product_id": Field("ref", target="products"),
    "description": STR,
    "quantity": NUM,
    "unit_amount": NUM,
    "tax_rate": NUM,
    "tax_rate_id": Field("ref", target="tax_rates"),
    "discount_percent": NUM,
}
ALLOCATION_FIELDS = {"invoice_id": Field("ref", target="invoices"), "amount": NUM}


#: the statuses of quotes and orders
ORDER_STATUSES = ("draft", "submitted", "authorised", "closed", "void")
#: resources whose records the server gives a `total` of their lines
TOTALLED = ("invoices", "quotes", "sales_orders", "purchase_orders")


def _enum(*choices: str) -> Field:
    return Field("enum", choices)


def _ref(target: str) -> Field:
    return Field("ref", target=target)


def _order(prefix: str, due: str, **more: Field) -> ResourceSpec:
    """A quote or an order: the shape of an invoice, its lines included."""
    fields = {
        "number": STR,
        "status": _enum(*ORDER_STATUSES),
        "company_id": _ref("companies"),
        "contact_id": _ref("contacts"),
        "issue_date": DATE,
        due: DATE,
        "currency": STR,
        "notes": STR,
        "lines": Field("lines"),
        **more,
    }
    return ResourceSpec(prefix, fields, defaults={"status": "draft", "lines": []})


@dataclass(frozen=True)
class ResourceSpec:
    prefix: str
    fields: dict[str, Field]
    required_any: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)
    #: one record per account (id SINGLETON_ID), there from the start: GET and PATCH only
    singleton: bool = False


#: the id of a singleton's one record
SINGLETON_ID = "profile"


RESOURCES: dict[str, ResourceSpec] = {
    "tax_rates": ResourceSpec(
        "tr",
        {"code": STR, "name": STR, "sale_rate": NUM, "purchase_rate": NUM},
        required_any=("name",),
    ),
    "ledger_accounts": ResourceSpec(
        "la",
        {
            "code": STR,
            "name": STR,
            "description": STR,
            "kind": _enum("asset", "liability", "equity", "revenue", "expense"),
            "currency": STR,
        },
        required_any=("name",),
    ),
    "companies": ResourceSpec(
        "co",
        {
            "name": STR,
            "email": STR,
            "phone": STR,
            "website": STR,
            "industry": STR,
            "is_customer": BOOL,
            "is_supplier": BOOL,
            "billing_address": ADDRESS,
            "shipping_address": ADDRESS,
        },
        required_any=("name",),
    ),
    "contacts": ResourceSpec(
        "c",
        {
            "first_name": STR,
            "last_name": STR,
            "email": STR,
            "phone": STR,
            "mobile": STR,
            "job_title": STR,
            "company_id": _ref("companies"),
            "is_customer": BOOL,
            "is_supplier": BOOL,
            "address": ADDRESS,
        },
        required_any=("first_name", "last_name"),
    ),
    "products": ResourceSpec(
        "p",
        {
            "sku": STR,
            "name": STR,
            "description": STR,
            "kind": _enum("goods", "service"),
            "unit_price": MONEY,
            "cost_price": MONEY,
            "track_inventory": BOOL,
            "quantity_on_hand": NUM,
            "tax_rate_id": _ref("tax_rates"),
            "revenue_account_id": _ref("ledger_accounts"),
        },
        required_any=("name",),
        defaults={"kind": "goods"},
    ),
    "invoices": ResourceSpec(
        "inv",
        {
            "number": STR,
            "kind": _enum("sale", "purchase"),
            "status": _enum("draft", "submitted", "authorised", "paid", "void"),
            "company_id": _ref("companies"),
            "contact_id": _ref("contacts"),
            "issue_date": DATE,
            "due_date": DATE,
            "currency": STR,
            "notes": STR,
            "lines": Field("lines"),
        },
        defaults={"kind": "sale", "status": "draft", "lines": []},
    ),
    "payments": ResourceSpec(
        "pay",
        {
            "kind": _enum("received", "sent"),
            "date": DATE,
            "reference": STR,
            "amount": NUM,
            "currency": STR,
            "company_id": _ref("companies"),
            "contact_id": _ref("contacts"),
            "allocations": Field("allocations"),
        },
        defaults={"kind": "received", "allocations": []},
    ),
    "employees": ResourceSpec(
        "emp",
        {
            "first_name": STR,
            "last_name": STR,
            "email": STR,
            "phone": STR,
            "mobile": STR,
            "job_title": STR,
            "start_date": DATE,
            "birth_date": DATE,
            "address": ADDRESS,
        },
        required_any=("first_name", "last_name"),
    ),
    "quotes": _order("q", "expires_on"),
    "sales_orders": _order("so", "due_date", quote_id=_ref("quotes")),
    "purchase_orders": _order("po", "due_date"),
    "profile": ResourceSpec(
        "profile",
        {
            "name": STR,
            "currency": STR,
            "timezone": STR,
            "email": STR,
            "phone": STR,
            "website": STR,
            "address": ADDRESS,
        },
        singleton=True,
    ),
    "deals": ResourceSpec(
        "deal",
        {
            "name": STR,
            "description": STR,
            "amount": NUM,
            "currency": STR,
            "probability": NUM,
            "stage": STR,
            "expected_close_date": DATE,
            "company_id": _ref("companies"),
            "contact_id": _ref("contacts"),
        },
        required_any=("name",),
    ),
}
