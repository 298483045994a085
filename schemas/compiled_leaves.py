"""The values of single fields as schemas.compiled loads them: for each known field kind, the
field's own `_deserialize` (a kind whose conversion reads only the value), or, for the plain
types, the type test that `_deserialize` would pass and the value it would return.

A converter is called for a present, non-null value; it answers the loaded value or raises
(marshmallow's ValidationError from the field's own code): then schemas.compiled gives the
whole input to marshmallow.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from marshmallow import fields

from schemas.countries import Country
from schemas.fields import Choice, IdString, LooseDate, Money, Timestamp

Convert = Callable[[Any], Any]
#: the largest integer a float holds exactly: `float(n)` of a smaller one never overflows
_EXACT_INT = 2**53


def _own(field: fields.Field) -> Convert:
    """The field's own conversion (a known kind whose `_deserialize` reads only the value)."""
    deserialize = field._deserialize
    return lambda value: deserialize(value, None, None)


def _string(field: fields.String) -> Convert:
    own = _own(field)
    return lambda value: value if type(value) is str else own(value)


def _id_string(field: IdString) -> Convert:
    own = _own(field)
    return lambda value: value if type(value) is str and value else own(value)


def _boolean(field: fields.Boolean) -> Convert:
    own = _own(field)
    if True not in field.truthy or False not in field.falsy:
        return own
    return lambda value: value if value is True or value is False else own(value)


def _float(field: fields.Float) -> Convert:
    """A finite float as itself, a small int as its float (what `float()` gives; Money rounds
    as its own `_format_num` does)."""
    own, shape = _own(field), field._format_num
    if field.allow_nan:
        return own

    def number(value: Any) -> Any:
        kind = type(value)
        if (kind is float and math.isfinite(value)) or (
            kind is int and -_EXACT_INT < value < _EXACT_INT
        ):
            return shape(value)
        return own(value)

    return number


def _integer(field: fields.Integer) -> Convert:
    own = _own(field)
    return lambda value: value if type(value) is int else own(value)


#: the field kinds compiled, each with its converter maker (exact types: a subclass may
#: change what its values mean, so it is compiled only when listed here)
LEAVES: dict[type, Callable[[Any], Convert]] = {
    fields.String: _string,
    fields.Boolean: _boolean,
    fields.Float: _float,
    fields.Integer: _integer,
    Money: _float,
    IdString: _id_string,
    Choice: _own,
    Country: _own,
    LooseDate: _own,
    Timestamp: _own,
}
