"""The entities this system shares: one line per entity, in dependency order.

A reference can only resolve once its target is linked, so the order is the order of a first sync.
ENTITIES are the reference partner app's (the `demoapp` provider: providers/demoapp): its partner
shapes and mapping rules live in `schemas/<collection>.py` and `mappers/<collection>.py`. To add
an entity: write `schemas/<collection>.py` (SCHEMAS) and `mappers/<collection>.py` (MAPPING),
then add its line to ENTITIES (see docs/mapping.md) and run `.venv/bin/python deploy/render.py`:
the deploy files, the OpenAPI file and docs/shared-entities.md follow from this table. Another
partner app declares its own `EntityTable` of the same Connec! collections in its provider
package (README "Add a partner").
"""

from __future__ import annotations

from dataclasses import dataclass

from mappers import (
    accounts,
    company,
    employees,
    invoices,
    items,
    opportunities,
    orders,
    organizations,
    payments,
    people,
    tax_codes,
)
from mappers.errors import UnknownEntity
from mappers.record import Lines, RecordMapping
from schemas import accounts as account_schemas
from schemas import company as company_schemas
from schemas import employees as employee_schemas
from schemas import invoices as invoice_schemas
from schemas import items as item_schemas
from schemas import opportunities as opportunity_schemas
from schemas import orders as order_schemas
from schemas import organizations as organization_schemas
from schemas import payments as payment_schemas
from schemas import people as person_schemas
from schemas import tax_codes as tax_code_schemas
from schemas.entity_names import EntityNames
from schemas.shapes import EntitySchemas


@dataclass(frozen=True)
class Entity:
    """One shared entity: its names on both sides, its schemas and its mapping."""

    #: the Connec! collection, which is also the entity name used everywhere else
    collection: str
    #: the partner resource
    resource: str
    schemas: EntitySchemas
    mapping: RecordMapping
    #: the most consumer replicas the deploy manifests scale it to: its share of the traffic
    #: (deploy/render.py writes the manifests from this table)
    max_consumers: int = 4
    #: for a singleton (one record per group and account: Connec!'s `company`), the partner id
    #: of its one record: it is updated, never created or deleted
    singleton: str | None = None

    @property
    def references(self) -> tuple[tuple[str, str], ...]:
        """(Connec! field, referenced collection) for each reference, lines' included."""
        return self.mapping.references

    @property
    def lines(self) -> Lines | None:
        """How the entity's nested lines map, or None when it has none."""
        return self.mapping.lines


#: every shared entity, in dependency order; exactly one line each
ENTITIES: tuple[Entity, ...] = (
    Entity("tax_codes", "tax_rates", tax_code_schemas.SCHEMAS, tax_codes.MAPPING),
    Entity("accounts", "ledger_accounts", account_schemas.SCHEMAS, accounts.MAPPING),
    Entity("organizations", "companies", organization_schemas.SCHEMAS, organizations.MAPPING),
    Entity("people", "contacts", person_schemas.SCHEMAS, people.MAPPING, max_consumers=6),
    Entity("employees", "employees", employee_schemas.SCHEMAS, employees.MAPPING),
    Entity("items", "products", item_schemas.SCHEMAS, items.MAPPING),
    Entity("invoices", "invoices", invoice_schemas.SCHEMAS, invoices.MAPPING, max_consumers=12),
    Entity("quotes", "quotes", order_schemas.QUOTES, orders.QUOTES),
    Entity("sales_orders", "sales_orders", order_schemas.SALES_ORDERS, orders.SALES_ORDERS),
    Entity(
        "purchase_orders", "purchase_orders", order_schemas.PURCHASE_ORDERS, orders.PURCHASE_ORDERS
    ),
    Entity("payments", "payments", payment_schemas.SCHEMAS, payments.MAPPING, max_consumers=8),
    Entity("opportunities", "deals", opportunity_schemas.SCHEMAS, opportunities.MAPPING),
    Entity("company", "profile", company_schemas.SCHEMAS, company.MAPPING, singleton="profile"),
)


class EntityTable:
    """The entities one partner app shares, by Connec! collection and by partner resource."""

    def __init__(self, entities: tuple[Entity, ...]) -> None:
        self.entities = entities
        self.collections = tuple(each.collection for each in entities)
        #: their names alone (schemas/entity_names.py): what the receiver reads events with
        self.names = EntityNames((each.collection, each.resource) for each in entities)
        self._by_collection = {each.collection: each for each in entities}
        self._by_resource = {each.resource: each for each in entities}

    def entity(self, collection: str) -> Entity:
        """The entity of a Connec! collection; raises UnknownEntity (a KeyError)."""
        try:
            return self._by_collection[collection]
        except KeyError:
            raise UnknownEntity(f"no entity for collection {collection!r}") from None

    def by_resource(self, resource: str) -> Entity:
        """The entity of a partner resource; raises UnknownEntity (a KeyError)."""
        try:
            return self._by_resource[resource]
        except KeyError:
            raise UnknownEntity(f"no entity for partner resource {resource!r}") from None


#: the reference partner app's entities (provider `demoapp`)
REFERENCE = EntityTable(ENTITIES)
COLLECTIONS: tuple[str, ...] = tuple(each.collection for each in ENTITIES)
RESOURCES: tuple[str, ...] = tuple(each.resource for each in ENTITIES)
#: the reference app's lookups (a provider's own: its EntityTable)
entity = REFERENCE.entity
by_resource = REFERENCE.by_resource


def resource_for_collection(collection: str) -> str:
    return entity(collection).resource


def collection_for_resource(resource: str) -> str:
    return by_resource(resource).collection
