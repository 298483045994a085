"""Tryton's wire values: its JSON object types, and the action lists that write x2many fields.

Tryton's JSON (REST and JSON-RPC alike) carries the values plain JSON lacks as objects with a
`__class__` key: `{"__class__": "Decimal", "decimal": "12.50"}`, `date`, `datetime`, `time`,
`timedelta` and `bytes` (base64). `encode` turns Python values into that form, `decode` turns
an answer back. Tryton's datetimes are naive and mean UTC: `decode` gives aware UTC datetimes,
`encode` writes an aware datetime in UTC and a naive one as it is.

A One2Many or Many2Many field is written with a list of actions, each a list itself:
`[["create", [{...}, ...]], ["write", [ids], {...}], ["delete", [ids]], ["add", [ids]],
["remove", [ids]]]`; the helpers below build them.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

UTC = datetime.UTC


class UndecodableValue(ValueError):
    """A `__class__` object whose fields do not make a value of that class."""


def encode(value: Any) -> Any:
    """`value` with every Decimal, date, datetime, time, timedelta and bytes in Tryton's JSON
    form; dicts, lists, tuples, sets walked; anything else as it is (json.dumps judges it)."""
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [encode(item) for item in value]
    for kind, encoder in _ENCODERS:
        if isinstance(value, kind):
            return encoder(value)
    return value


def decode(value: Any) -> Any:
    """A JSON answer (parsed into dicts and lists) with Tryton's objects turned into values."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("__class__")
    if isinstance(kind, str) and kind in _DECODERS:
        try:
            return _DECODERS[kind](value)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise UndecodableValue(f"not a Tryton {kind}: {value!r} ({error})") from None
    return {key: decode(item) for key, item in value.items()}


def _datetime(value: datetime.datetime) -> dict[str, Any]:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    fields = ("year", "month", "day", "hour", "minute", "second", "microsecond")
    return {"__class__": "datetime", **{name: getattr(value, name) for name in fields}}


def _date(value: datetime.date) -> dict[str, Any]:
    return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}


def _time(value: datetime.time) -> dict[str, Any]:
    fields = ("hour", "minute", "second", "microsecond")
    return {"__class__": "time", **{name: getattr(value, name) for name in fields}}


def _decimal(value: Decimal) -> dict[str, Any]:
    if not value.is_finite():
        raise ValueError(f"Tryton has no Decimal {value}")
    return {"__class__": "Decimal", "decimal": str(value)}


def _bytes(value: bytes | bytearray) -> dict[str, Any]:
    return {"__class__": "bytes", "base64": base64.b64encode(value).decode()}


#: checked in order: datetime before date (a datetime is a date)
_ENCODERS: tuple[tuple[type, Callable[[Any], dict[str, Any]]], ...] = (
    (datetime.datetime, _datetime),
    (datetime.date, _date),
    (datetime.time, _time),
    (datetime.timedelta, lambda v: {"__class__": "timedelta", "seconds": v.total_seconds()}),
    (Decimal, _decimal),
    (bytes, _bytes),
    (bytearray, _bytes),
)


def _read_datetime(value: dict[str, Any]) -> datetime.datetime:
    day = datetime.date(int(value["year"]), int(value["month"]), int(value["day"]))
    return datetime.datetime.combine(day, _read_time(value), tzinfo=UTC)


def _read_time(value: dict[str, Any]) -> datetime.time:
    hour, minute, second, micro = (int(value.get(name, 0)) for name in _TIME_PARTS)
    return datetime.time(hour, minute, second, micro)


_TIME_PARTS = ("hour", "minute", "second", "microsecond")


def _read_decimal(value: dict[str, Any]) -> Decimal:
    text = value["decimal"]
    if not isinstance(text, str | int):
        raise TypeError("the decimal is not a string")
    return Decimal(text)


_DECODERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "datetime": _read_datetime,
    "date": lambda v: datetime.date(int(v["year"]), int(v["month"]), int(v["day"])),
    "time": _read_time,
    "timedelta": lambda v: datetime.timedelta(seconds=float(v["seconds"])),
    "Decimal": _read_decimal,
    "bytes": lambda v: base64.b64decode(v["base64"], validate=False),
}


def create(*records: Mapping[str, Any]) -> list[Any]:
    """The action creating `records` as new targets of an x2many field."""
    return ["create", [dict(record) for record in records]]


def write(ids: Iterable[int], values: Mapping[str, Any]) -> list[Any]:
    """The action writing `values` on the targets `ids` (which must already be linked)."""
    return ["write", list(ids), dict(values)]


def delete(ids: Iterable[int]) -> list[Any]:
    """The action deleting the targets `ids` (a One2Many's lines)."""
    return ["delete", list(ids)]


def add(ids: Iterable[int]) -> list[Any]:
    """The action linking existing records `ids` (a Many2Many, such as taxes or categories)."""
    return ["add", list(ids)]


def remove(ids: Iterable[int]) -> list[Any]:
    """The action unlinking `ids` without deleting them."""
    return ["remove", list(ids)]
