"""Connec! id arrays: finding our id and Connec!'s in them, and folding partner ids into them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schemas.fields import CONNEC_PROVIDER

IdEntries = list[dict]


def _never_linked(entity: str, connec_id: str) -> str | None:
    return None


@dataclass(frozen=True)
class MappingContext:
    """What a mapping needs from outside, passed in so that mappers stay pure.

    - `provider`, `realm`: how the partner app and the linked account appear in id arrays.
    - `partner_id_for(entity, connec_id)`: the partner id of a record of `entity` (a Connec!
      collection name) that the id map knows, or None. Asked only for references (and a record's
      own id) that carry a Connec! id and no entry of ours. Not needed for partner -> Connec!.
    """

    provider: str
    realm: str
    partner_id_for: Callable[[str, str], str | None] = _never_linked


def own_partner_id(id_array: IdEntries | None, provider: str, realm: str) -> str | None:
    """The id of the entry whose provider and realm are ours, or None (not linked)."""
    for entry in id_array or ():
        if entry.get("provider") == provider and entry.get("realm") == realm:
            return str(entry["id"])
    return None


def connec_id(id_array: IdEntries | None) -> str | None:
    """Connec!'s own id (the `provider: "connec"` entry), or None."""
    for entry in id_array or ():
        if entry.get("provider") == CONNEC_PROVIDER:
            return str(entry["id"])
    return None


def fold(partner_id: str, ctx: MappingContext) -> IdEntries:
    """A partner id as Connec! takes it: `[{"id", "provider", "realm"}]` with ours."""
    return [{"id": str(partner_id), "provider": ctx.provider, "realm": ctx.realm}]


def merged(id_array: IdEntries | None, partner_id: str | None, ctx: MappingContext) -> IdEntries:
    """The id array with our entry set to `partner_id` (other entries kept, in order)."""
    others = [
        entry
        for entry in id_array or ()
        if (entry.get("provider"), entry.get("realm")) != (ctx.provider, ctx.realm)
    ]
    return others + (fold(partner_id, ctx) if partner_id is not None else [])
