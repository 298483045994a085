"""Field types shared by every entity's schemas: id arrays, money, loose dates, timestamps in
UTC and choices."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

#: the provider name of Connec!'s own entry in an id array
CONNEC_PROVIDER = "connec"


class IdString(fields.String):
    """An id: a non-empty string; a number is accepted and becomes a string."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            raise self.make_error("invalid")
        return text


class _TolerantEntry(Schema):
    class Meta:
        unknown = EXCLUDE

    id = IdString(required=True)
    provider = fields.String(required=True)
    realm = fields.String(allow_none=True, load_default=None)


class _StrictEntry(Schema):
    class Meta:
        unknown = RAISE

    id = IdString(required=True)
    provider = fields.String(required=True)
    realm = fields.String(required=True)


class IdArray(fields.Field):
    """A record id or a reference: an array of `{id, provider, realm}` entries.

    Tolerant (the default): a plain string or number, one entry object, or a list mixing plain ids
    and entries is accepted; a plain id is a Connec! id (`provider: "connec"`, realm unknown).
    Strict: an array of complete entries.
    Either way the result is a list of `{"id": str, "provider": str, "realm": str | None}`.
    """

    default_error_messages = {"invalid": "Not an id array, an id entry or a plain id."}

    def __init__(self, *, strict: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.strict = strict
        entry = _StrictEntry if strict else _TolerantEntry
        self._entries = fields.List(fields.Nested(entry))

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[dict]:
        if not self.strict:
            value = _as_entry_list(value)
        if not isinstance(value, list):
            raise self.make_error("invalid")
        entries: list = self._entries.deserialize(value, attr, data, **kwargs)
        return entries

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return value


def _as_entry_list(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str | int):
        return [_as_entry(value)]
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [_as_entry(each) for each in value]
    return value


def _as_entry(value: Any) -> Any:
    plain = isinstance(value, str | int) and not isinstance(value, bool)
    return {"id": value, "provider": CONNEC_PROVIDER} if plain else value


class Money(fields.Float):
    """An amount of money, rounded to 2 decimals (the partner's precision)."""

    def _format_num(self, value: Any) -> float:
        return round(float(value), 2)


class LooseDate(fields.Field):
    """A calendar date as `YYYY-MM-DD`; a date-time is accepted and cut to its own (local) date."""

    default_error_messages = {"invalid": "Not a date or a date-time."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return datetime.fromisoformat(value.strip()).date().isoformat()
        except ValueError:
            raise self.make_error("invalid") from None

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return value


class Timestamp(fields.Field):
    """A moment, read from ISO 8601 in its common shapes (`2016-06-12 23:26:26`, `...T...+10:00`,
    `...Z`, fractional seconds, a date alone: midnight) and given in UTC:
    `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`. A time without a zone is taken as UTC."""

    default_error_messages = {"invalid": "Not an ISO 8601 date-time."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        moment = value if isinstance(value, datetime) else None
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                moment = None
        if moment is None:
            raise self.make_error("invalid")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return value


class Choice(fields.String):
    """One of a few words; matched without regard to case and returned as spelled in `values`."""

    def __init__(self, values: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(validate=validate.OneOf(values), **kwargs)
        self._canonical = {value.lower(): value for value in values}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return self._canonical.get(text.lower(), text)
