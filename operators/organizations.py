"""Linked organizations as an operator manages them (`connec-sync orgs`): link a Connec! group to
a partner account, change its switches (entity directions, on/off, conflict winner), unlink it.
Running processes see a change within 30 s (they read organizations from the store)."""

from __future__ import annotations

from typing import Any

from connec_sync.settings import DIRECTIONS
from connec_sync.store import Organization
from mappers.registry import COLLECTIONS


class OrganizationNotFound(LookupError):
    """No organization with the group or account named."""


def parse_entities(values: list[str]) -> dict[str, str]:
    """`people=to-app` pairs; raises ValueError naming a wrong entity or direction."""
    entities = {}
    for value in values:
        entity, _, direction = value.partition("=")
        if entity not in COLLECTIONS:
            raise ValueError(f"unknown entity {entity!r} (known: {', '.join(COLLECTIONS)})")
        if direction not in DIRECTIONS:
            raise ValueError(f"{entity}: direction must be one of {', '.join(DIRECTIONS)}")
        entities[entity] = direction
    return entities


def linked(store: Any) -> list[dict[str, Any]]:
    """Every linked organization's settings."""
    return [org.settings() for org in store.organizations.all()]


def link(
    store: Any,
    *,
    tenant: str,
    group_id: str,
    account: str,
    entities: list[str],
    enabled: bool | None,
    conflict_winner: str | None,
) -> Organization:
    """Link a group to an account (or update the link): `entities` as `ENTITY=DIRECTION`,
    every entity both ways when none is named."""
    directions = parse_entities(entities) or {entity: "both" for entity in COLLECTIONS}
    organization: Organization = store.organizations.upsert(
        tenant=tenant,
        group_id=group_id,
        account=account,
        entities=directions,
        enabled=True if enabled is None else enabled,
        conflict_winner=conflict_winner or "recent",
    )
    return organization


def find(store: Any, tenant: str, group_id: str | None, account: str | None) -> Organization:
    """The organization of `tenant`'s group, or of the partner `account`."""
    organizations = store.organizations
    found: Organization | None = (
        organizations.by_group(tenant, group_id) if group_id else organizations.by_account(account)
    )
    if found is None:
        raise OrganizationNotFound("no such organization")
    return found


def unlink(store: Any, organization: Organization, *, confirmed: bool) -> None:
    """Forget the organization and its id map; refused (ValueError) unless `confirmed`."""
    if not confirmed:
        raise ValueError("unlink deletes the organization's id map: add --yes to confirm")
    store.organizations.remove(organization.id)


def change(
    store: Any,
    organization: Organization,
    *,
    entities: list[str],
    enabled: bool | None,
    conflict_winner: str | None,
) -> Organization:
    """Change the switches named (the others are kept); the organization as it is now."""
    changes: dict[str, Any] = {}
    if entities:
        changes["entities"] = organization.entities | parse_entities(entities)
    if enabled is not None:
        changes["enabled"] = enabled
    if conflict_winner:
        changes["conflict_winner"] = conflict_winner
    store.organizations.update(organization.id, **changes)
    changed: Organization = store.organizations.by_id(organization.id)
    return changed
