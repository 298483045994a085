"""The envelope's wire form as marshmallow checks it when a message is decoded
(schemas/envelope.py, `Envelope.from_json`): apart, so that the processes that only build and
send envelopes (the receiver's workers) never import marshmallow."""

from __future__ import annotations

from typing import Any, cast

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from marshmallow.decorators import post_load, validates_schema

from connec_sync.naming import direction_for
from schemas.compiled import load
from schemas.envelope_terms import (
    ACTIONS,
    DIRECTIONS,
    FORMAT_VERSION,
    ORIGINS,
    SOURCES,
    UndecodableMessage,
)


class EnvelopeSchema(Schema):
    """The wire form. Strict: an unknown field is an error, so a publisher's typo is caught at
    once; loads into an Envelope."""

    class Meta:
        unknown = RAISE

    format = fields.Integer(required=True, validate=validate.Equal(FORMAT_VERSION))
    message_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    entity = fields.String(required=True, validate=validate.Length(min=1, max=100))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))
    tenant = fields.String(required=True, allow_none=True)
    group_id = fields.String(required=True, allow_none=True)
    account = fields.String(required=True, allow_none=True)
    record = fields.Dict(required=True, keys=fields.String())
    updated_at = fields.String(required=True, allow_none=True)
    received_at = fields.String(required=True)
    attempts = fields.Integer(required=True, validate=validate.Range(min=0))

    @validates_schema
    def _source_matches_direction(self, data: dict[str, Any], **_: Any) -> None:
        source, direction = data.get("source"), data.get("direction")
        if source in SOURCES and direction in DIRECTIONS and direction_for(source) != direction:
            raise ValidationError(f"source {source!r} travels {direction_for(source)}", "direction")

    @post_load
    def _envelope_fields(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        del data["format"], data["source"]
        return data


_SCHEMA = EnvelopeSchema()


def wire_fields(data: Any) -> dict[str, Any]:
    """An envelope's fields from its wire form, validated; raises UndecodableMessage."""
    if not isinstance(data, dict):
        raise UndecodableMessage("body is not a JSON object")
    try:
        return cast(dict[str, Any], load(_SCHEMA, data))
    except ValidationError as error:
        raise UndecodableMessage(f"invalid envelope: {error.messages}") from None
