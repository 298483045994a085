"""The shared entities' names only: Connec! collection and partner resource, in dependency order.

The entity registry (mappers/registry.py) gives each entity its record shapes and mapping rules,
and with them marshmallow; the receiver's workers need the names alone (README "Receiver
memory"), so they are here, without either. tests/unit/providers/test_entity_names.py holds every
provider's `EntityTable` to the names declared for it."""

from __future__ import annotations

from collections.abc import Iterable


class EntityNames:
    """One partner app's entities by name: (Connec! collection, partner resource) pairs."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = tuple(pairs)
        self.collections = tuple(collection for collection, _ in self.pairs)
        self._collections = {resource: collection for collection, resource in self.pairs}

    def collection_of(self, resource: str) -> str | None:
        """The Connec! collection of a partner resource; None when the app shares none."""
        return self._collections.get(resource)


#: the reference partner app's (provider `demoapp`): mappers.registry.ENTITIES, by name
REFERENCE = EntityNames(
    (
        ("tax_codes", "tax_rates"),
        ("accounts", "ledger_accounts"),
        ("organizations", "companies"),
        ("people", "contacts"),
        ("employees", "employees"),
        ("items", "products"),
        ("invoices", "invoices"),
        ("quotes", "quotes"),
        ("sales_orders", "sales_orders"),
        ("purchase_orders", "purchase_orders"),
        ("payments", "payments"),
        ("opportunities", "deals"),
        ("company", "profile"),
    )
)
#: every shared Connec! collection, in dependency order
COLLECTIONS: tuple[str, ...] = REFERENCE.collections
