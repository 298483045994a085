"""What a consumer calls: validate, map both ways, link back and archive, by entity name.

The entity name is the Connec! collection (`people`); `registry.by_resource` turns a partner
resource into it. All functions are pure: the context brings our provider and realm and the
id map's answers (see `MappingContext`).

A record is validated once, where it enters the pipeline (`validate_connec`,
`validate_partner`: the types `ConnecRecord` and `PartnerRecord` say it was); the mappings take
validated records and check only what they build.

Tolerant at the edges, strict at the core (schemas.tolerance): a field whose value cannot be
converted is dropped, never the record; each answer's `dropped` says which fields and why. Only
a record the target cannot take without that field raises InvalidRecord (or InvalidPayload),
naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema

from mappers.errors import InvalidPayload, InvalidRecord
from mappers.ids import MappingContext, connec_id, fold, own_partner_id
from mappers.registry import entity
from schemas.tolerance import Dropped, Loaded, Unconvertible, load_tolerant


class ConnecRecord(Loaded):
    """A Connec! record as `validate_connec` answers it (normalised, every field checked), with
    `dropped`: the fields left out because they could not be read."""


class PartnerRecord(Loaded):
    """A partner record as `validate_partner` answers it, with its `dropped` fields."""


class ConnecPush(Loaded):
    """The Connec! record `to_connec` builds, with the fields Connec! could not take (`dropped`)."""


@dataclass(frozen=True)
class PartnerWrite:
    """What to write to the partner: PATCH `partner_id` with `body`, or POST `body` when None;
    `dropped`: the fields of the body the partner could not take, left out."""

    partner_id: str | None
    body: dict
    dropped: tuple[Dropped, ...] = ()


def _load(entity_name: str, schema: Schema, data: Any, error: type[InvalidRecord]) -> Loaded:
    try:
        loaded, dropped = load_tolerant(schema, data, entity(entity_name).schemas.essential)
    except Unconvertible as failure:
        raise error(failure.errors) from None
    return Loaded(loaded, dropped)


def validate_connec(entity_name: str, record: Any) -> ConnecRecord:
    """A Connec! record, normalised: only known fields, ids as arrays of string ids, dates as
    `YYYY-MM-DD`, times in UTC, countries as ISO alpha-2, words in their canonical case.
    Unreadable fields are dropped (`dropped`); raises InvalidRecord naming every field that
    cannot be left out."""
    loaded = _load(entity_name, entity(entity_name).schemas.connec, record, InvalidRecord)
    return ConnecRecord(loaded, loaded.dropped)


def validate_partner(entity_name: str, record: Any) -> PartnerRecord:
    """A partner record, normalised (only known fields, money to 2 decimals, times in UTC).
    Unreadable fields are dropped (`dropped`); raises InvalidRecord naming every field that
    cannot be left out."""
    loaded = _load(entity_name, entity(entity_name).schemas.partner, record, InvalidRecord)
    return PartnerRecord(loaded, loaded.dropped)


def to_partner(entity_name: str, record: ConnecRecord, ctx: MappingContext) -> PartnerWrite:
    """The partner write for a validated Connec! record.

    `partner_id` is the record's own entry in its id array, else the id map's answer
    (`ctx.partner_id_for`, for a link whose link-back has not reached Connec! yet), else None:
    not linked, so POST. Raises MissingReference (a reference whose target is not in the
    partner app yet) or InvalidPayload (the partner would refuse the body).
    """
    spec = entity(entity_name)
    mapped = spec.mapping.to_partner(record, ctx)
    body = _load(entity_name, spec.schemas.partner_write, mapped, InvalidPayload)
    return PartnerWrite(_own_id(entity_name, record["id"], ctx), dict(body), body.dropped)


def _own_id(entity_name: str, id_array: list[dict], ctx: MappingContext) -> str | None:
    partner_id = own_partner_id(id_array, ctx.provider, ctx.realm)
    target = connec_id(id_array)
    if partner_id is None and target is not None:
        partner_id = ctx.partner_id_for(entity_name, target)
    return partner_id


def to_connec(entity_name: str, record: PartnerRecord, ctx: MappingContext) -> ConnecPush:
    """The Connec! record for a validated partner record (POST it to the collection: an upsert
    by our id).

    The record id and every reference are folded to `[{"id", "provider", "realm"}]` with ours;
    records with lines carry `opts: {"sparse": false}` (lines are a full replacement).
    Fields Connec! could not take are left out (`dropped`); raises InvalidPayload when one
    cannot be left out.
    """
    spec = entity(entity_name)
    mapped = spec.mapping.to_connec(record, ctx)
    pushed = _load(entity_name, spec.schemas.connec_write, mapped, InvalidPayload)
    return ConnecPush(pushed, pushed.dropped)


def link_back(
    entity_name: str, record: ConnecRecord, created: PartnerRecord, ctx: MappingContext
) -> dict:
    """The PUT body that tells Connec! our id for a record we created from it (connec-api §3):
    `{"<collection>": {"id": [ours], "<lines>": [{"id": [merged]}, ...]}}`, from the Connec!
    record and the partner record created from it (both validated).

    Lines are present only for entities whose lines carry ids (invoices); the partner's lines
    match the Connec! lines by position, as the partner keeps line order. Raises InvalidRecord
    when the line counts differ.
    """
    spec = entity(entity_name)
    body: dict = {"id": fold(created["id"], ctx)}
    lines = spec.lines
    if lines is not None and lines.ids:
        connec_lines, partner_lines = record.get(lines.connec), created.get(lines.partner)
        body[lines.connec] = lines.linked_back(connec_lines or [], partner_lines or [], ctx)
    return {spec.collection: body}


def archive_payload(entity_name: str, partner_id: str, ctx: MappingContext) -> dict:
    """The Connec! record that retires a record deleted in the partner app (POST it: upsert):
    `{"id": [ours], "status": "ARCHIVED"}` (`"VOIDED"` for invoices)."""
    return {"id": fold(partner_id, ctx), "status": entity(entity_name).mapping.archive_status}
