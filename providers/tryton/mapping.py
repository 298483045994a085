"""The Tryton provider's entities: per Connec! collection, the flat record its `TrytonPartner`
reads and writes (the partner shape) and the rules that map it to Connec!'s record.

The Connec! halves are the shared ones (schemas/<collection>.py); what Tryton cannot hold is
left out of the flat shapes, so it is neither written to Tryton nor taken back to Connec!: an
organization's industry and shipping address, a person's job title, an address's region,
prices' currencies and tax rates, stock quantities. A person's first and last names are one
Tryton party name (`PersonName`: joined with a space; read back, the last word is the last
name).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from mappers import payments
from mappers.common import ARCHIVED, renamed, words
from mappers.ids import MappingContext
from mappers.items import KIND
from mappers.record import Lines, RecordMapping
from mappers.registry import Entity, EntityTable
from mappers.rules import MISSING, Field, Ref, Status, get_path
from schemas import invoices as invoice_schemas
from schemas import items as item_schemas
from schemas import organizations as organization_schemas
from schemas import payments as payment_schemas
from schemas import people as person_schemas
from schemas.shapes import (
    EntitySchemas,
    Shape,
    choice,
    day,
    entity_schemas,
    flag,
    money,
    number,
    ref_id,
    text,
)

#: a flat Tryton address <-> a Connec! address (no region: Tryton's subdivisions are not carried)
ADDRESS = renamed(
    street="line1", street2="line2", city="city", postcode="postal_code", country="country"
)
ADDRESS_SHAPE = Shape(
    {
        **{key: text() for key in ("street", "street2", "city", "postcode")},
        "country": text(),
    }
)
CONTACT = {"email": text(), "phone": text(), "is_customer": flag(), "is_supplier": flag()}


@dataclass(frozen=True)
class PersonName:
    """Connec!'s first and last name <-> one Tryton party name."""

    partner: str = "name"
    #: what the catalogue of shared entities shows (operators/catalogue.py)
    connec: str = "first_name + last_name"
    description: str = "joined by a space; read back, the last word is the last name"

    def to_partner(self, source: dict, target: dict, ctx: MappingContext, where: str) -> None:
        first, last = get_path(source, "first_name"), get_path(source, "last_name")
        if first is MISSING and last is MISSING:
            return
        parts = [part for part in (first, last) if part not in (MISSING, None, "")]
        target[self.partner] = " ".join(str(part) for part in parts) or None

    def to_connec(self, source: dict, target: dict, ctx: MappingContext) -> None:
        name = get_path(source, self.partner)
        if name is MISSING:
            return
        first, _, last = (name or "").strip().rpartition(" ")
        target["first_name"], target["last_name"] = first or None, last or None


@dataclass(frozen=True)
class Flag(Field):
    """A yes/no Tryton holds as a category, so it is always there when read back: written as
    false when Connec! leaves it empty (so that our write and its echo compare equal)."""

    def to_partner(self, source: dict, target: dict, ctx: MappingContext, where: str) -> None:
        value = get_path(source, self.connec)
        target[self.partner] = bool(value) if value is not MISSING else False


def _schemas(
    name: str,
    shared: EntitySchemas,
    partner: dict[str, Any],
    computed: dict[str, Any] | None = None,
) -> EntitySchemas:
    """Tryton's flat shapes with the shared Connec! halves."""
    own = entity_schemas(f"Tryton{name}", {}, partner, partner_computed=computed)
    return dataclasses.replace(own, connec=shared.connec, connec_write=shared.connec_write)


ORGANIZATIONS = Entity(
    "organizations",
    "organizations",
    _schemas(
        "Organization",
        organization_schemas.SCHEMAS,
        {"name": text(required=True), "website": text(), **CONTACT, "address": ADDRESS_SHAPE},
    ),
    RecordMapping(
        (
            Field("name", "name"),
            Field("email", "email.address"),
            Field("phone", "phone.landline"),
            Field("website", "website.url"),
            Flag("is_customer", "is_customer"),
            Flag("is_supplier", "is_supplier"),
            Field("address", "address.billing", ADDRESS),
            Status("archived", "status", ARCHIVED),
        )
    ),
)
PEOPLE = Entity(
    "people",
    "people",
    _schemas(
        "Person",
        person_schemas.SCHEMAS,
        {
            "name": text(required=True),
            "mobile": text(),
            **CONTACT,
            "organization_id": ref_id(),
            "address": ADDRESS_SHAPE,
        },
    ),
    RecordMapping(
        (
            PersonName(),
            Field("email", "email.address"),
            Field("phone", "phone_work.landline"),
            Field("mobile", "phone_work.mobile"),
            Ref("organization_id", "organization_id", "organizations"),
            Flag("is_customer", "is_customer"),
            Flag("is_supplier", "is_supplier"),
            Field("address", "address_work.billing", ADDRESS),
            Status("archived", "status", ARCHIVED),
        )
    ),
)
ITEMS = Entity(
    "items",
    "items",
    _schemas(
        "Item",
        item_schemas.SCHEMAS,
        {
            "name": text(required=True),
            "code": text(),
            "description": text(),
            "kind": choice("goods", "service"),
            "list_price": money(),
            "cost_price": money(),
        },
    ),
    RecordMapping(
        (
            Field("code", "reference"),
            Field("name", "name"),
            Field("description", "description"),
            Field("kind", "type", KIND),
            Field("list_price", "sale_price.net_amount"),
            Field("cost_price", "purchase_price.net_amount"),
            Status("archived", "status", ARCHIVED),
        )
    ),
)

INVOICE_KIND = words({"out": "CUSTOMER", "in": "SUPPLIER"})
#: Tryton's invoice states <-> Connec!'s statuses, one to one
INVOICE_STATUS = words(
    {
        "draft": "DRAFT",
        "validated": "SUBMITTED",
        "posted": "AUTHORISED",
        "paid": "PAID",
        "cancelled": "VOIDED",
    }
)
INVOICES = Entity(
    "invoices",
    "invoices",
    _schemas(
        "Invoice",
        invoice_schemas.SCHEMAS,
        {
            "kind": choice("out", "in"),
            "status": choice("draft", "validated", "posted", "paid", "cancelled"),
            "reference": text(),
            "party_id": ref_id(),
            "invoice_date": day(),
            "currency": text(),
            "comment": text(),
            "lines": Shape(
                {
                    "id": ref_id(),
                    "item_id": ref_id(),
                    "description": text(),
                    "quantity": number(),
                    "unit_price": money(),
                    "tax_rate": number(),
                },
                many=True,
            ),
        },
        computed={"total": money(), "amount_to_pay": money()},
    ),
    RecordMapping(
        (
            Field("reference", "transaction_number"),
            Field("kind", "type", INVOICE_KIND),
            Status("status", "status", INVOICE_STATUS),
            Ref("party_id", "organization_id", "organizations"),
            Field("invoice_date", "transaction_date"),
            Field("currency", "amount.currency"),
            Field("comment", "public_note"),
            Field("total", "amount.total_amount", writes_partner=False),
            Field("amount_to_pay", "balance", writes_partner=False),
            Lines(
                "lines",
                "lines",
                (
                    Ref("item_id", "item_id", "items"),
                    Field("description", "description"),
                    Field("quantity", "quantity"),
                    Field("unit_price", "unit_price.net_amount"),
                    Field("tax_rate", "unit_price.tax_rate"),
                ),
            ),
        ),
        archive_status="VOIDED",
    ),
)
PAYMENTS = Entity(
    "payments",
    "payments",
    _schemas(
        "Payment",
        payment_schemas.SCHEMAS,
        {
            "kind": choice("received", "sent"),
            "date": day(),
            "amount": money(),
            "allocations": Shape(
                {"invoice_id": ref_id(required=True), "amount": money()}, many=True
            ),
        },
    ),
    RecordMapping(
        (
            Field("kind", "type", payments.KIND),
            Field("date", "transaction_date"),
            Field("amount", "amount.total_amount"),
            Lines("allocations", "payment_lines", payments.ALLOCATION, ids=False),
        )
    ),
)

#: the entities the Tryton provider carries, in dependency order
ENTITIES = EntityTable((ORGANIZATIONS, PEOPLE, ITEMS, INVOICES, PAYMENTS))
