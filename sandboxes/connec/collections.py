"""What the Connec! sandbox knows about each collection: references, line arrays, codes, rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: a path into a record; "[]" walks every element of a list
RefPath = tuple[str, ...]

_INVOICE_REFS: tuple[tuple[RefPath, str], ...] = (
    (("organization_id",), "organizations"),
    (("person_id",), "people"),
    (("lines", "[]", "item_id"), "items"),
    (("lines", "[]", "tax_code_id"), "tax_codes"),
)


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    code_prefix: str
    #: reference fields: (path, target collection); stored as the target's Connec! id
    references: tuple[tuple[RefPath, str], ...] = ()
    #: arrays whose elements carry their own id arrays (merged by id, `opts.sparse`)
    line_arrays: tuple[str, ...] = ()
    #: on create, at least one of these must be non-blank
    required_any: tuple[str, ...] = ()
    default_status: str = "ACTIVE"
    singleton: bool = False


_spec = CollectionSpec
_TRANSACTION: dict[str, Any] = {
    "references": _INVOICE_REFS,
    "line_arrays": ("lines",),
    "default_status": "DRAFT",
}

SPECS: dict[str, CollectionSpec] = {
    spec.name: spec
    for spec in (
        _spec("organizations", "OR", required_any=("name",)),
        _spec(
            "people",
            "PE",
            references=((("organization_id",), "organizations"),),
            required_any=("first_name", "last_name"),
            line_arrays=("notes",),
        ),
        _spec(
            "items",
            "IT",
            references=(
                (("sale_tax_code_id",), "tax_codes"),
                (("purchase_tax_code_id",), "tax_codes"),
                (("sale_account_id",), "accounts"),
            ),
            required_any=("name",),
        ),
        _spec("invoices", "IN", **_TRANSACTION),
        _spec("quotes", "QU", **_TRANSACTION),
        _spec(
            "sales_orders",
            "SO",
            **{**_TRANSACTION, "references": (*_INVOICE_REFS, (("quote_id",), "quotes"))},
        ),
        _spec("purchase_orders", "PO", **_TRANSACTION),
        _spec(
            "payments",
            "PA",
            references=(
                (("organization_id",), "organizations"),
                (("person_id",), "people"),
                (("payment_lines", "[]", "linked_transactions", "[]", "id"), "invoices"),
            ),
            line_arrays=("payment_lines",),
        ),
        _spec("tax_codes", "TC", required_any=("name", "code")),
        _spec("accounts", "AC"),
        _spec(
            "opportunities",
            "OP",
            references=((("organization_id",), "organizations"), (("person_id",), "people")),
            required_any=("name",),
        ),
        _spec("employees", "EM", required_any=("first_name", "last_name")),
        _spec("journals", "JO"),
        _spec("projects", "PR"),
        _spec("time_activities", "TA"),
        _spec("company", "CO", singleton=True),
    )
}

#: fields the sandbox sets itself; pushed values are ignored
SYSTEM_FIELDS = frozenset(
    {"group_id", "channel_id", "resource_type", "created_at", "updated_at", "opts"}
)

#: singular or capitalised names accepted in request envelopes
ALIASES = {"organization": "organizations", "person": "people", "item": "items"}
