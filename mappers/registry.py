"""The entities this system shares: one line per entity, in dependency order.

A reference can only resolve once its target is linked, so the order is the order of a first sync.
"""

from __future__ import annotations

#: (Connec! collection, partner resource), in dependency order
_NAMES = (
    ("organizations", "companies"),
    ("people", "contacts"),
    ("items", "products"),
    ("invoices", "invoices"),
    ("payments", "payments"),
)

COLLECTIONS: tuple[str, ...] = tuple(collection for collection, _ in _NAMES)
RESOURCES: tuple[str, ...] = tuple(resource for _, resource in _NAMES)


def resource_for_collection(collection: str) -> str:
    return dict(_NAMES)[collection]


def collection_for_resource(resource: str) -> str:
    return {r: c for c, r in _NAMES}[resource]
