"""What a consumer calls: validate, map both ways, link back and archive, by entity name.

The entity name is the Connec! collection (`people`); `registry.by_resource` turns a partner
resource into it. All functions are pure: the context brings our provider and realm and the
id map's answers (see `MappingContext`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError

from mappers.errors import InvalidPayload, InvalidRecord
from mappers.ids import MappingContext, connec_id, fold, own_partner_id
from mappers.registry import entity


@dataclass(frozen=True)
class PartnerWrite:
    """What to write to the partner: PATCH `partner_id` with `body`, or POST `body` when None."""

    partner_id: str | None
    body: dict


def _load(schema: Schema, data: Any, error: type[InvalidRecord]) -> dict:
    try:
        return schema.load(data)
    except ValidationError as failure:
        raise error(failure.messages_dict) from None


def validate_connec(entity_name: str, record: Any) -> dict:
    """A Connec! record, normalised: only known fields, ids as arrays of string ids, dates as
    `YYYY-MM-DD`, words in their canonical case. Raises InvalidRecord naming every bad field."""
    return _load(entity(entity_name).schemas.connec, record, InvalidRecord)


def validate_partner(entity_name: str, record: Any) -> dict:
    """A partner record, normalised (only known fields, money to 2 decimals).
    Raises InvalidRecord naming every bad field."""
    return _load(entity(entity_name).schemas.partner, record, InvalidRecord)


def to_partner(
    entity_name: str, connec_record: Any, ctx: MappingContext, *, validated: bool = False
) -> PartnerWrite:
    """The partner write for a Connec! record.

    `partner_id` is the record's own entry in its id array, else the id map's answer
    (`ctx.partner_id_for`, for a link whose link-back has not reached Connec! yet), else None:
    not linked, so POST. Raises InvalidRecord (bad input), MissingReference (a reference whose
    target is not in the partner app yet) or InvalidPayload (the partner would refuse the body).
    `validated=True`: `connec_record` is already `validate_connec`'s answer (not validated again).
    """
    spec = entity(entity_name)
    record = connec_record if validated else validate_connec(entity_name, connec_record)
    body = _load(spec.schemas.partner_write, spec.mapping.to_partner(record, ctx), InvalidPayload)
    return PartnerWrite(_own_id(entity_name, record["id"], ctx), body)


def _own_id(entity_name: str, id_array: list[dict], ctx: MappingContext) -> str | None:
    partner_id = own_partner_id(id_array, ctx.provider, ctx.realm)
    target = connec_id(id_array)
    if partner_id is None and target is not None:
        partner_id = ctx.partner_id_for(entity_name, target)
    return partner_id


def to_connec(entity_name: str, partner_record: Any, ctx: MappingContext) -> dict:
    """The Connec! record for a partner record (POST it to the collection: an upsert by our id).

    The record id and every reference are folded to `[{"id", "provider", "realm"}]` with ours;
    records with lines carry `opts: {"sparse": false}` (lines are a full replacement).
    Raises InvalidRecord (bad input) or InvalidPayload (Connec! would refuse it).
    """
    spec = entity(entity_name)
    record = validate_partner(entity_name, partner_record)
    return _load(spec.schemas.connec_write, spec.mapping.to_connec(record, ctx), InvalidPayload)


def link_back(
    entity_name: str,
    connec_record: Any,
    partner_record: Any,
    ctx: MappingContext,
    *,
    validated: bool = False,
) -> dict:
    """The PUT body that tells Connec! our id for a record we created from it (connec-api §3):
    `{"<collection>": {"id": [ours], "<lines>": [{"id": [merged]}, ...]}}`.

    Lines are present only for entities whose lines carry ids (invoices); the partner's lines
    match the Connec! lines by position, as the partner keeps line order. Raises InvalidRecord
    when either record is invalid or the line counts differ. `validated=True`: the Connec!
    record is already `validate_connec`'s answer.
    """
    spec = entity(entity_name)
    record = connec_record if validated else validate_connec(entity_name, connec_record)
    created = validate_partner(entity_name, partner_record)
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
