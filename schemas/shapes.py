"""Record shapes declared once, built tolerant for what we read and strict for what we write.

A shape is a dict of field specs. A spec is a function of `strict` that makes a fresh marshmallow
field, or a `Shape` (a nested object or array of objects). `entity_schemas` turns an entity's
Connec! shape and partner shape into the four schemas every entity has (see `EntitySchemas`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from schemas.countries import Country
from schemas.fields import Choice, IdArray, IdString, LooseDate, Money, Timestamp
from schemas.prices import with_net_amount

FieldSpec = Callable[[bool], fields.Field]
#: a whole-record check: takes the loaded data, answers {field: [problems]} (empty when fine)
Check = Callable[[dict], dict]


@dataclass(frozen=True)
class Shape:
    """A nested object (or, with `many`, an array of them); `validate` checks the whole value;
    `complete` finishes each loaded object (e.g. a net amount computed from a gross one) and may
    raise ValidationError naming its fields."""

    fields: Mapping[str, FieldSpec | Shape]
    many: bool = False
    validate: Any = None
    complete: Callable[[dict], dict] | None = None


def _optional(make: Callable[..., fields.Field], required: bool, **kwargs: Any) -> FieldSpec:
    return lambda strict: make(required=required, allow_none=not required, **kwargs)


def text(required: bool = False, **kwargs: Any) -> FieldSpec:
    return _optional(fields.String, required, **kwargs)


def flag(required: bool = False) -> FieldSpec:
    return _optional(fields.Boolean, required)


def number(required: bool = False, **kwargs: Any) -> FieldSpec:
    return _optional(fields.Float, required, **kwargs)


def money(required: bool = False) -> FieldSpec:
    return _optional(Money, required)


def day(required: bool = False) -> FieldSpec:
    return _optional(LooseDate, required)


def moment(required: bool = False) -> FieldSpec:
    """A date-time, given in UTC."""
    return _optional(Timestamp, required)


def country(required: bool = False) -> FieldSpec:
    """A country as a code, a name or a common short form, given as ISO 3166-1 alpha-2."""
    return _optional(Country, required)


def choice(*values: str, required: bool = False) -> FieldSpec:
    return lambda strict: Choice(values, required=required, allow_none=not required)


def ref_id(required: bool = False) -> FieldSpec:
    """A partner id (a string; a number becomes a string)."""
    return _optional(IdString, required)


def ids(required: bool = False) -> FieldSpec:
    """A Connec! id array: tolerant when reading, complete entries when writing."""
    return lambda strict: IdArray(strict=strict, required=required, allow_none=not required)


def build(
    name: str,
    specs: Mapping[str, Any],
    strict: bool,
    checks: tuple = (),
    complete: Callable[[dict], dict] | None = None,
) -> type[Schema]:
    """A schema class for a shape: unknown fields raise when strict and are left out otherwise."""
    unknown = RAISE if strict else EXCLUDE
    declared = {key: _make(f"{name}_{key}", spec, strict) for key, spec in specs.items()}
    attrs: dict[str, Any] = {**declared, "Meta": type("Meta", (), {"unknown": unknown})}
    if checks:
        attrs["_run_checks"] = _checks_hook(checks)
    if complete is not None:
        attrs["_complete"] = post_load(lambda self, data, **kwargs: complete(data))
    return type(name, (Schema,), attrs)


def _make(name: str, spec: FieldSpec | Shape, strict: bool) -> fields.Field:
    if not isinstance(spec, Shape):
        return spec(strict)
    nested = build(name, spec.fields, strict, complete=spec.complete)
    return fields.Nested(nested, many=spec.many, allow_none=True, validate=spec.validate)


def _checks_hook(checks: tuple[Check, ...]) -> Any:
    @validates_schema(skip_on_field_errors=False)
    def run_checks(self: Schema, data: dict, **kwargs: Any) -> None:
        errors: dict = {}
        for check in checks:
            errors.update(check(data))
        if errors:
            raise ValidationError(errors)

    return run_checks


def one_of_required(*names: str) -> Check:
    """A check: at least one of these fields has a value."""

    def check(data: dict) -> dict:
        if any(data.get(name) for name in names):
            return {}
        return {name: [f"One of {', '.join(names)} is required."] for name in names}

    return check


def each_line(lines: str, check: Check) -> Check:
    """A check of every line of `lines` (an array of objects), its problems under the line."""

    def check_lines(data: dict) -> dict:
        found = {number: check(line) for number, line in enumerate(data.get(lines) or ())}
        problems = {number: errors for number, errors in found.items() if errors}
        return {lines: problems} if problems else {}

    return check_lines


#: fields every Connec! record may carry besides its data (kept for the consumer, never mapped)
CONNEC_RECORD: dict[str, FieldSpec] = {
    "id": ids(required=True),
    "group_id": text(),
    "channel_id": text(),
    "resource_type": text(),
    "code": text(),
    "created_at": moment(),
    "updated_at": moment(),
}
#: what a pushed Connec! record may carry besides its data: options, read by Connec! (§4)
CONNEC_OPTIONS = Shape(
    {"sparse": flag(), "matching_fields": lambda strict: fields.List(fields.String())}
)
#: a Connec! postal address
CONNEC_ADDRESS = Shape(
    {
        **{key: text() for key in ("line1", "line2", "city", "region", "postal_code")},
        "country": country(),
    }
)
#: a partner postal address (country: ISO 3166 alpha-2)
PARTNER_ADDRESS = Shape(
    {
        **{key: text() for key in ("street", "street2", "city", "state", "postcode")},
        "country": country(),
    }
)
#: a Connec! price (`sale_price`, `purchase_price`, a line's `unit_price`): the mapped part, and
#: the tax-inclusive total that gives the net amount when only it is given (schemas.prices)
CONNEC_PRICE = Shape(
    {"net_amount": number(), "total_amount": number(), "tax_rate": number(), "currency": text()},
    complete=with_net_amount,
)
#: a partner price: amount net of tax, tax rate in percent
PARTNER_PRICE = Shape(
    {"amount": money(), "currency": text(validate=validate.Length(equal=3)), "tax_rate": number()}
)
#: the status of a Connec! record that is not a transaction
RECORD_STATUS = choice("ACTIVE", "INACTIVE", "ARCHIVED")
#: the two sides of a transaction in Connec!
TRANSACTION_TYPE = choice("CUSTOMER", "SUPPLIER")

#: fields the partner server sets on every record
PARTNER_RECORD: dict[str, FieldSpec] = {
    "id": ref_id(required=True),
    "created_at": moment(),
    "updated_at": moment(),
}


@dataclass(frozen=True)
class EntitySchemas:
    """The four schemas of an entity, as instances ready to `load`.

    - `connec`: a Connec! record as received (tolerant: unknown fields left out, ids normalised).
    - `connec_write`: what we POST/PUT to Connec! (strict: id, mapped fields, `opts`).
    - `partner`: a partner record as received (tolerant; server fields included).
    - `partner_write`: what we POST/PATCH to the partner (strict: no id, timestamps or computed
      fields; money rounded to 2 decimals).
    """

    connec: Schema
    connec_write: Schema
    partner: Schema
    partner_write: Schema
    #: fields never dropped when unreadable (schemas.tolerance): the record is refused instead
    essential: frozenset[str] = frozenset()


def entity_schemas(
    name: str,
    connec: Mapping[str, Any],
    partner: Mapping[str, Any],
    *,
    partner_computed: Mapping[str, Any] | None = None,
    partner_checks: tuple[Check, ...] = (),
    essential: tuple[str, ...] = (),
) -> EntitySchemas:
    """Build an entity's four schemas from its Connec! shape and its partner shape.

    `partner_computed` holds fields the partner server computes: read, never written.
    `partner_checks` are whole-record rules of the partner (both when reading and writing).
    `essential` names the fields (dotted, list indexes as `*`) whose unreadable value makes the
    record invalid instead of being dropped; the record's `id` always is.
    """
    read_partner = {**PARTNER_RECORD, "archived": flag(), **partner, **(partner_computed or {})}
    write_connec = {"id": ids(required=True), **connec, "opts": CONNEC_OPTIONS}
    return EntitySchemas(
        connec=build(f"Connec{name}", {**CONNEC_RECORD, **connec}, strict=False)(),
        connec_write=build(f"Connec{name}Write", write_connec, strict=True)(),
        partner=build(f"Partner{name}", read_partner, False, partner_checks)(),
        partner_write=build(
            f"Partner{name}Write", {"archived": flag(), **partner}, True, partner_checks
        )(),
        essential=frozenset(("id", *essential)),
    )
