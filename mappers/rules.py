"""The rules an entity's mapping is declared with, and the one engine that applies them.

A mapping is a tuple of rules; each rule reads one place of the source record and writes one
place of the target, in either direction. Paths are dotted (`address.billing`, with list indexes:
`linked_transactions.0.id`). Presence is kept: an absent source field writes nothing (so a PATCH
leaves it unchanged), a null one writes null (a null parent object counts as null leaves).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from mappers.common import SAME, Conversion
from mappers.errors import InvalidRecord, MissingReference
from mappers.ids import MappingContext, connec_id, fold, own_partner_id

MISSING: Any = object()


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted path, MISSING where absent, None under a null parent."""
    for key in path.split("."):
        if data is None:
            return None
        if isinstance(data, list):
            data = data[int(key)] if int(key) < len(data) else MISSING
        else:
            data = data.get(key, MISSING)
        if data is MISSING:
            return MISSING
    return data


def set_path(data: dict, path: str, value: Any) -> None:
    """Set the value at a dotted path, making the objects (and lists, for indexes) on the way."""
    keys = path.split(".")
    for key, following in zip(keys, keys[1:], strict=False):
        empty: Any = [] if following.isdigit() else {}
        if isinstance(data, list):
            while len(data) <= int(key):
                data.append(type(empty)())
            data = data[int(key)]
        else:
            data = data.setdefault(key, empty)
    data[keys[-1]] = value


class Rule(Protocol):
    def to_partner(self, source: dict, target: dict, ctx: MappingContext, where: str) -> None: ...

    def to_connec(self, source: dict, target: dict, ctx: MappingContext) -> None: ...


def _copy(source: dict, source_path: str, target: dict, target_path: str, convert: Any) -> None:
    value = get_path(source, source_path)
    if value is not MISSING:
        set_path(target, target_path, None if value is None else convert(value))


@dataclass(frozen=True)
class Field:
    """A value mapped both ways (or one way: `to_partner=False` for what the partner computes)."""

    partner: str
    connec: str
    conversion: Conversion = SAME
    writes_partner: bool = True
    writes_connec: bool = True

    def to_partner(self, source: dict, target: dict, ctx: MappingContext, where: str) -> None:
        if self.writes_partner:
            _copy(source, self.connec, target, self.partner, self.conversion.to_partner)

    def to_connec(self, source: dict, target: dict, ctx: MappingContext) -> None:
        if self.writes_connec:
            _copy(source, self.partner, target, self.connec, self.conversion.to_connec)


@dataclass(frozen=True)
class Status(Field):
    """A status: a null one means "not said", so nothing is written for it."""

    def to_partner(self, source: dict, target: dict, ctx: MappingContext, where: str) -> None:
        if get_path(source, self.connec) is not None:
            super().to_partner(source, target, ctx, where)

    def to_connec(self, source: dict, target: dict, ctx: MappingContext) -> None:
        if get_path(source, self.partner) is not None:
            super().to_connec(source, target, ctx)


@dataclass(frozen=True)
class Const:
    """A fixed Connec! value written with every record or line (partner -> Connec! only)."""

    connec: str
    value: Any

    def to_partner(self, source: dict, target: dict, ctx: MappingContext, where: str) -> None:
        return None

    def to_connec(self, source: dict, target: dict, ctx: MappingContext) -> None:
        set_path(target, self.connec, self.value)


@dataclass(frozen=True)
class Ref:
    """A reference to a record of `entity` (a Connec! collection): partner id <-> id array."""

    partner: str
    connec: str
    entity: str

    def to_partner(self, source: dict, target: dict, ctx: MappingContext, where: str) -> None:
        value = get_path(source, self.connec)
        if value is not MISSING:
            partner_id = resolve(value, self.entity, ctx, where + self.connec) if value else None
            set_path(target, self.partner, partner_id)

    def to_connec(self, source: dict, target: dict, ctx: MappingContext) -> None:
        value = get_path(source, self.partner)
        if value is not MISSING:
            set_path(target, self.connec, fold(value, ctx) if value else None)


def resolve(id_array: list[dict], entity: str, ctx: MappingContext, field: str) -> str:
    """The partner id a Connec! reference points at: our entry, else the id map's answer.

    Raises MissingReference when only Connec! knows the target, InvalidRecord when no one does.
    """
    partner_id = own_partner_id(id_array, ctx.provider, ctx.realm)
    if partner_id is not None:
        return partner_id
    target = connec_id(id_array)
    if target is None:
        raise InvalidRecord({field: ["Reference has neither a Connec! id nor ours."]})
    partner_id = ctx.partner_id_for(entity, target)
    if partner_id is None:
        raise MissingReference(field, entity, target)
    return partner_id


def apply_to_partner(rules: tuple, source: dict, ctx: MappingContext, where: str = "") -> dict:
    target: dict = {}
    for rule in rules:
        rule.to_partner(source, target, ctx, where)
    return target


def apply_to_connec(rules: tuple, source: dict, ctx: MappingContext) -> dict:
    target: dict = {}
    for rule in rules:
        rule.to_connec(source, target, ctx)
    return target
