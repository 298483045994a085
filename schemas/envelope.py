"""The one message envelope, whoever publishes it: receiver, sync, replay or a partner."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

#: bump when the envelope changes shape; consumers refuse versions they do not know
FORMAT_VERSION = 1
SOURCES = ("connec", "app")
ACTIONS = ("upsert", "created", "updated", "deleted")
ORIGINS = ("webhook", "publisher", "sync", "replay")
CONTENT_TYPE = "application/json"


class UndecodableMessage(Exception):
    """A message body that is not a valid envelope; it is dead-lettered, never dropped."""


class EnvelopeSchema(Schema):
    """Strict: an unknown field is an error, so a publisher's typo is caught at once."""

    class Meta:
        unknown = RAISE

    format = fields.Integer(required=True, validate=validate.Equal(FORMAT_VERSION))
    message_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    entity = fields.String(required=True, validate=validate.Length(min=1, max=100))
    direction = fields.String(required=True, validate=validate.OneOf(("to-app", "to-connec")))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))
    tenant = fields.String(required=True, allow_none=True)
    group_id = fields.String(required=True, allow_none=True)
    account = fields.String(required=True, allow_none=True)
    record = fields.Dict(required=True, keys=fields.String())
    updated_at = fields.String(required=True, allow_none=True)
    received_at = fields.String(required=True)
    attempts = fields.Integer(required=True, validate=validate.Range(min=0))


_SCHEMA = EnvelopeSchema()


#: the bits of a random UUID that say "version 4, RFC 4122 variant"
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_message_id() -> str:
    """`uuid.uuid4().hex`, without building a UUID object (a third of the cost)."""
    return new_message_ids(1)[0]


def new_message_ids(count: int) -> list[str]:
    """`count` message ids as `new_message_id` makes them, from one read of the OS's random
    source (one system call for a whole request's records)."""
    raw = os.urandom(16 * count)
    return [
        f"{int.from_bytes(raw[at : at + 16], 'big') & _UUID4_CLEAR | _UUID4_SET:032x}"
        for at in range(0, 16 * count, 16)
    ]


def new_envelope(
    *,
    source: str,
    entity: str,
    record: dict[str, Any],
    action: str = "upsert",
    origin: str = "webhook",
    tenant: str | None = None,
    group_id: str | None = None,
    account: str | None = None,
    updated_at: str | None = None,
    message_id: str | None = None,
    received_at: str | None = None,
) -> dict[str, Any]:
    """A fresh envelope for a record; direction follows from the source. `received_at` defaults
    to now (a producer building several envelopes for one request may pass one instant)."""
    return {
        "format": FORMAT_VERSION,
        "message_id": message_id or new_message_id(),
        "source": source,
        "entity": entity,
        "direction": "to-app" if source == "connec" else "to-connec",
        "action": action,
        "origin": origin,
        "tenant": tenant,
        "group_id": group_id,
        "account": account,
        "record": record,
        "updated_at": updated_at if updated_at is not None else record.get("updated_at"),
        "received_at": received_at or now_iso(),
        "attempts": 0,
    }


def encode(envelope: dict[str, Any]) -> bytes:
    """Validate and serialise; a bad envelope is a programming error and raises ValidationError."""
    return json.dumps(_SCHEMA.load(envelope), separators=(",", ":")).encode()


def decode(body: bytes | str) -> dict[str, Any]:
    """Parse and validate a message body; raises UndecodableMessage naming the problem."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise UndecodableMessage(f"body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise UndecodableMessage("body is not a JSON object")
    try:
        return _SCHEMA.load(data)
    except ValidationError as error:
        raise UndecodableMessage(f"invalid envelope: {error.messages}") from None


__all__ = [
    "EXCLUDE",
    "EnvelopeSchema",
    "UndecodableMessage",
    "decode",
    "encode",
    "new_envelope",
    "new_message_id",
    "new_message_ids",
]
