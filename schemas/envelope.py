"""The one message envelope, whoever publishes it: receiver, sync, replay or a partner."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any, NamedTuple

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


class _FieldCheck(NamedTuple):
    """What a field accepts as already loaded: its exact JSON type (or None where allowed),
    passing the field's own validators."""

    name: str
    kind: type[Any]
    allow_none: bool
    validators: tuple[Any, ...]


#: the Python type json.loads gives for each field class the fast path understands; loading a
#: value of exactly that type returns it unchanged (a Dict returns a new dict, same values)
_PLAIN_KINDS: dict[type, type] = {fields.Integer: int, fields.String: str, fields.Dict: dict}


def _field_check(name: str, field: fields.Field) -> _FieldCheck:
    """The fast check for one schema field; raises TypeError for a field whose load could do
    more than type-check and validate, so a schema change cannot leave the fast path behind."""
    kind = _PLAIN_KINDS.get(type(field))
    plain = field.data_key in (None, name) and field.attribute is None
    if isinstance(field, fields.Dict):
        keys = field.key_field
        plain = plain and field.value_field is None
        plain = plain and type(keys) is fields.String and not keys.validators
    if kind is None or not plain:
        raise TypeError(f"envelope field {name!r} needs a fast-path rule in _field_check")
    return _FieldCheck(name, kind, field.allow_none, tuple(field.validators))


def _field_checks(schema: Schema) -> tuple[_FieldCheck, ...]:
    if any(schema._hooks.values()):
        raise TypeError("the schema has hooks, which the fast path in decode would skip")
    return tuple(_field_check(name, field) for name, field in schema.load_fields.items())


_FIELD_CHECKS = _field_checks(_SCHEMA)
_FIELD_NAMES = frozenset(check.name for check in _FIELD_CHECKS)
_REFUSED = object()


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


def _fast_value(check: _FieldCheck, value: Any) -> Any:
    """`value` as the field loads it, if it is already of the field's type and valid;
    _REFUSED otherwise (marshmallow then decides: coercion or error)."""
    if value is None:
        return None if check.allow_none else _REFUSED
    if type(value) is not check.kind:
        return _REFUSED
    try:
        for validator in check.validators:
            validator(value)
    except ValidationError:
        return _REFUSED
    if check.kind is dict:
        return dict(value) if all(type(key) is str for key in value) else _REFUSED
    return value


def _fast_load(data: dict[str, Any]) -> dict[str, Any] | None:
    """`_SCHEMA.load(data)` for an envelope that has every field and nothing else, each value
    already loaded and valid; None for anything else."""
    if data.keys() != _FIELD_NAMES:
        return None
    loaded: dict[str, Any] = {}
    for check in _FIELD_CHECKS:
        value = _fast_value(check, data[check.name])
        if value is _REFUSED:
            return None
        loaded[check.name] = value
    return loaded


def decode(body: bytes | str) -> dict[str, Any]:
    """Parse and validate a message body; raises UndecodableMessage naming the problem.

    A well-formed envelope skips marshmallow (`_fast_load`, checks built from the schema's own
    fields and validators): a typical envelope's decode, in every consumer's hot path, took
    60-80 us, nearly all of it marshmallow's load; with the fast path it takes 15-20 us (json.loads
    ~6). Anything else is loaded by marshmallow as before: its errors and coercions, unchanged."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise UndecodableMessage(f"body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise UndecodableMessage("body is not a JSON object")
    loaded = _fast_load(data)
    if loaded is not None:
        return loaded
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
