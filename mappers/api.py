"""What a consumer calls: validate, map both ways, link back and archive, by entity name.

A `Mapper` does it for the entities of one partner app (its provider's `EntityTable`); the
module's functions are the reference app's (`demoapp`). The entity name is the Connec!
collection (`people`); `EntityTable.by_resource` turns a partner resource into it. All
functions are pure: the context brings our provider and realm and the id map's answers (see
`MappingContext`).

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
from mappers.registry import REFERENCE, Entity, EntityTable
from mappers.views import references_in, view_of
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


def _load(spec: Entity, schema: Schema, data: Any, error: type[InvalidRecord]) -> Loaded:
    try:
        loaded, dropped = load_tolerant(schema, data, spec.schemas.essential)
    except Unconvertible as failure:
        raise error(failure.errors) from None
    return Loaded(loaded, dropped)


class Mapper:
    """Validation and mapping for the entities of one partner app."""

    def __init__(self, entities: EntityTable) -> None:
        self.entities = entities

    def entity(self, entity_name: str) -> Entity:
        """The entity of a Connec! collection; raises UnknownEntity (a KeyError)."""
        return self.entities.entity(entity_name)

    def validate_connec(self, entity_name: str, record: Any) -> ConnecRecord:
        """A Connec! record, normalised: only known fields, ids as arrays of string ids, dates as
        `YYYY-MM-DD`, times in UTC, countries as ISO alpha-2, words in their canonical case.
        Unreadable fields are dropped (`dropped`); raises InvalidRecord naming every field that
        cannot be left out."""
        spec = self.entity(entity_name)
        loaded = _load(spec, spec.schemas.connec, record, InvalidRecord)
        return ConnecRecord(loaded, loaded.dropped)

    def validate_partner(self, entity_name: str, record: Any) -> PartnerRecord:
        """A partner record, normalised (only known fields, money to 2 decimals, times in UTC).
        Unreadable fields are dropped (`dropped`); raises InvalidRecord naming every field that
        cannot be left out."""
        spec = self.entity(entity_name)
        loaded = _load(spec, spec.schemas.partner, record, InvalidRecord)
        return PartnerRecord(loaded, loaded.dropped)

    def to_partner(
        self, entity_name: str, record: ConnecRecord, ctx: MappingContext
    ) -> PartnerWrite:
        """The partner write for a validated Connec! record.

        `partner_id` is the record's own entry in its id array, else the id map's answer
        (`ctx.partner_id_for`, for a link whose link-back has not reached Connec! yet), else None:
        not linked, so POST. Fields the partner could not take are left out (`dropped`); raises
        MissingReference (a reference whose target is not in the partner app yet) or
        InvalidPayload (the partner cannot take the body without a field).
        """
        spec = self.entity(entity_name)
        mapped = spec.mapping.to_partner(record, ctx)
        body = _load(spec, spec.schemas.partner_write, mapped, InvalidPayload)
        return PartnerWrite(self._own_id(entity_name, record["id"], ctx), dict(body), body.dropped)

    def _own_id(self, entity_name: str, id_array: list[dict], ctx: MappingContext) -> str | None:
        singleton = self.entity(entity_name).singleton
        if singleton is not None:  # never created: always the one record
            return singleton
        partner_id = own_partner_id(id_array, ctx.provider, ctx.realm)
        target = connec_id(id_array)
        if partner_id is None and target is not None:
            partner_id = ctx.partner_id_for(entity_name, target)
        return partner_id

    def to_connec(self, entity_name: str, record: PartnerRecord, ctx: MappingContext) -> ConnecPush:
        """The Connec! record for a validated partner record (POST it to the collection: an upsert
        by our id).

        The record id and every reference are folded to `[{"id", "provider", "realm"}]` with ours;
        records with lines carry `opts: {"sparse": false}` (lines are a full replacement).
        Fields Connec! could not take are left out (`dropped`); raises InvalidPayload when one
        cannot be left out.
        """
        spec = self.entity(entity_name)
        mapped = spec.mapping.to_connec(record, ctx)
        pushed = _load(spec, spec.schemas.connec_write, mapped, InvalidPayload)
        return ConnecPush(pushed, pushed.dropped)

    def link_back(
        self, entity_name: str, record: ConnecRecord, created: PartnerRecord, ctx: MappingContext
    ) -> dict:
        """The PUT body that tells Connec! our id for a record we created from it (connec-api §3):
        `{"<collection>": {"id": [ours], "<lines>": [{"id": [merged]}, ...]}}`, from the Connec!
        record and the partner record created from it (both validated).

        Lines are present only for entities whose lines carry ids (invoices); the partner's lines
        match the Connec! lines by position, as the partner keeps line order. Raises InvalidRecord
        when the line counts differ.
        """
        spec = self.entity(entity_name)
        body: dict = {"id": fold(created["id"], ctx)}
        lines = spec.lines
        if lines is not None and lines.ids:
            connec_lines, partner_lines = record.get(lines.connec), created.get(lines.partner)
            body[lines.connec] = lines.linked_back(connec_lines or [], partner_lines or [], ctx)
        return {spec.collection: body}

    def archive_payload(self, entity_name: str, partner_id: str, ctx: MappingContext) -> dict:
        """The Connec! record that retires a record deleted in the partner app (POST it: upsert):
        `{"id": [ours], "status": "ARCHIVED"}` (`"VOIDED"` for invoices)."""
        return {
            "id": fold(partner_id, ctx),
            "status": self.entity(entity_name).mapping.archive_status,
        }

    def partner_view(self, entity_name: str, record: PartnerRecord) -> dict:
        """The write body a validated partner record stands for (mappers.views.view_of)."""
        return view_of(self.entity(entity_name), record)

    def referenced_ids(
        self, entity_name: str, connec_record: dict, provider: str, realm: str
    ) -> list[tuple[str, str, str]]:
        """The partner ids a pushed Connec! record refers to (mappers.views.references_in)."""
        return references_in(self.entity(entity_name), connec_record, provider, realm)


#: the reference partner app's mapper (provider `demoapp`)
REFERENCE_MAPPER = Mapper(REFERENCE)
validate_connec = REFERENCE_MAPPER.validate_connec
validate_partner = REFERENCE_MAPPER.validate_partner
to_partner = REFERENCE_MAPPER.to_partner
to_connec = REFERENCE_MAPPER.to_connec
link_back = REFERENCE_MAPPER.link_back
archive_payload = REFERENCE_MAPPER.archive_payload
