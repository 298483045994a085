"""The entities this system shares: one line per entity, in dependency order.

A reference can only resolve once its target is linked, so the order is the order of a first sync.
ENTITIES are the reference partner app's (the `demoapp` provider: providers/demoapp): its partner
shapes and mapping rules live in `schemas/<collection>.py` and `mappers/<collection>.py`. To add
an entity: write `schemas/<collection>.py` (SCHEMAS) and `mappers/<collection>.py` (MAPPING),
then add its line to ENTITIES (see docs/mapping.md). Another partner app declares its own
`EntityTable` of the same Connec! collections in its provider package (README "Add a partner").
"""

from __future__ import annotations

from dataclasses import dataclass

from mappers import invoices, items, organizations, payments, people
from mappers.errors import UnknownEntity
from mappers.record import Lines, RecordMapping
from schemas import invoices as invoice_schemas
from schemas import items as item_schemas
from schemas import organizations as organization_schemas
from schemas import payments as payment_schemas
from schemas import people as person_schemas
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
    Entity("organizations", "companies", organization_schemas.SCHEMAS, organizations.MAPPING),
    Entity("people", "contacts", person_schemas.SCHEMAS, people.MAPPING),
    Entity("items", "products", item_schemas.SCHEMAS, items.MAPPING),
    Entity("invoices", "invoices", invoice_schemas.SCHEMAS, invoices.MAPPING),
    Entity("payments", "payments", payment_schemas.SCHEMAS, payments.MAPPING),
)


class EntityTable:
    """The entities one partner app shares, by Connec! collection and by partner resource."""

    def __init__(self, entities: tuple[Entity, ...]) -> None:
        self.entities = entities
        self.collections = tuple(each.collection for each in entities)
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
