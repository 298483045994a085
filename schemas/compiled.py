"""Marshmallow's `load`, compiled: the same answer for plainly valid input at a fraction of the
cost, and marshmallow itself for everything else.

The schemas stay the one declaration of a record and the source of every error message. For
each schema class, `load` compiles once, from the schema's declared fields, a checker that
loads the common valid input directly: the fields' types, required and allow_none, load
defaults, their validators (run as marshmallow runs them), nested objects and arrays of them,
lists, id arrays, the unknown-field policy, and the schema's own `validates_schema` and
`post_load` hooks. Whenever the input is not plainly valid (a field's value is refused, a
required field is missing, an unknown field meets a strict schema, a hook raises) the checker
gives up and `schema.load` runs, so refusals, their messages and every edge case come from
marshmallow. A schema with anything the compiler does not know (a field kind outside `_KINDS`
and schemas/compiled_leaves.py, `pre_load` hooks, `@validates` methods, data keys, `only`,
`exclude` or `partial` options) is never compiled: `load` is then `schema.load`.

Each field's value is turned by the field's own `_deserialize` (or, for the plain types, by the
type test that `_deserialize` would pass and the value it would return), so the loaded output is
marshmallow's own; tests/unit/mapping/test_compiled_schemas.py holds the two to the same
output and the same refusals over every fixture and generated mutations of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields
from marshmallow.utils import missing

from schemas.compiled_leaves import LEAVES, Convert
from schemas.fields import IdArray, _as_entry_list

ItemLoader = Callable[[Any], dict]


class _Miss(Exception):
    """The input is not plainly valid: marshmallow's own load decides."""


class _NotCompilable(Exception):
    """The schema holds something the compiler does not mirror."""


#: compiled loaders by schema class (None: not compilable, always marshmallow)
_COMPILED: dict[type, ItemLoader | None] = {}


def load(schema: Schema, data: Any) -> Any:
    """`schema.load(data)`, through the schema's compiled checker when it has one and the
    input is plainly valid; raises marshmallow's ValidationError otherwise."""
    fast = compiled(schema)
    if fast is not None:
        try:
            return fast(data)
        except (_Miss, ValidationError):
            pass
    return schema.load(data)


def compiled(schema: Schema) -> ItemLoader | None:
    """The compiled loader of a schema instance with its class's default options; None when
    it cannot be compiled (then `load` is marshmallow's)."""
    if not _default_options(schema):
        return None
    cls = type(schema)
    if cls not in _COMPILED:
        try:
            _COMPILED[cls] = _item_loader(schema, many=False)
        except _NotCompilable:
            _COMPILED[cls] = None
    return _COMPILED[cls]


def _default_options(schema: Schema) -> bool:
    return (
        not schema.many
        and schema.only is None
        and not schema.exclude
        and not schema.partial
        and not schema.load_only
        and not schema.dump_only
        and schema.unknown == schema.opts.unknown
        and schema.dict_class is dict
    )


def _item_loader(schema: Schema, many: bool) -> ItemLoader:
    """One object's loader (`many`: what the hooks are told, as for an array's items)."""
    _check_compilable(schema, many)
    plan = tuple(_planned(name, field) for name, field in schema.load_fields.items())
    known = frozenset(name for name, *_ in plan)
    strict = schema.unknown == RAISE
    kwargs = {"partial": schema.partial, "many": many, "unknown": schema.unknown}
    checks = _bound(schema, "validates_schema", kwargs)
    finish = _bound(schema, "post_load", kwargs)

    def load_item(data: Any) -> dict:
        if type(data) is not dict or (strict and not data.keys() <= known):
            raise _Miss
        out = _fields_loaded(plan, data)
        for check in checks:
            check(out, data)
        for step in finish:
            out = step(out, data)
        return out

    return load_item


def _check_compilable(schema: Schema, many: bool) -> None:
    """Raises _NotCompilable for hooks or options the compiler does not mirror."""
    hooks = schema._hooks
    collection_hooks = many and any(hook[1] for tag in hooks.values() for hook in tag)
    if hooks["pre_load"] or hooks["validates"] or collection_hooks:
        raise _NotCompilable(type(schema).__name__)
    if schema.unknown not in (EXCLUDE, RAISE) or schema.dict_class is not dict:
        raise _NotCompilable(type(schema).__name__)


def _fields_loaded(plan: tuple, data: dict) -> dict:
    """Each declared field, in declared order, as marshmallow's `_deserialize` stores it."""
    out: dict = {}
    for name, convert, required, allow_none, default in plan:
        value = data.get(name, missing)
        if value is missing:
            if required:
                raise _Miss
            if default is not missing:
                out[name] = default() if callable(default) else default
        elif value is None:
            if not allow_none:
                raise _Miss
            out[name] = None
        else:
            out[name] = convert(value)
    return out


def _planned(name: str, field: fields.Field) -> tuple:
    if field.data_key is not None or field.attribute is not None or "." in name:
        raise _NotCompilable(name)
    if field.pre_load or field.post_load:
        raise _NotCompilable(name)
    return name, _converter(field), field.required, field.allow_none, field.load_default


def _bound(schema: Schema, tag: str, kwargs: dict) -> list[Callable[[Any, Any], Any]]:
    """The schema's hooks of one kind, in marshmallow's order (collection hooks first: for one
    object they run alike), each taking the loaded data and the original."""
    hooks = schema._hooks[tag]
    ordered = [hook for hook in hooks if hook[1]] + [hook for hook in hooks if not hook[1]]
    return [_hook(getattr(schema, attr), options, kwargs) for attr, _, options in ordered]


def _hook(method: Callable, options: dict, kwargs: dict) -> Callable[[Any, Any], Any]:
    if options.get("pass_original", False):
        return lambda out, original: method(out, original, **kwargs)
    return lambda out, original: method(out, **kwargs)


def _converter(field: fields.Field) -> Convert:
    """The value of a present, non-null field; raises _Miss or ValidationError to give up."""
    make = _KINDS.get(type(field))
    if make is None:
        raise _NotCompilable(type(field).__name__)
    convert = make(field)
    return _validated(convert, field.validators)


def _validated(convert: Convert, validators: list) -> Convert:
    """`convert`, then the field's validators as marshmallow runs them (a plain function that
    answers False refuses; a marshmallow Validator raises)."""
    if not validators:
        return convert
    checks = tuple(validators)

    def checked(value: Any) -> Any:
        out = convert(value)
        for check in checks:
            if check(out) is False:
                raise _Miss
        return out

    return checked


def _value(field: fields.Field) -> Convert:
    """A list item's value: as a field's, null included."""
    if field.pre_load or field.post_load:
        raise _NotCompilable(type(field).__name__)
    convert, allow_none = _converter(field), field.allow_none

    def value(item: Any) -> Any:
        if item is None:
            if allow_none:
                return None
            raise _Miss
        return convert(item)

    return value


def _listed(field: fields.List) -> Convert:
    item = _value(field.inner)

    def listed(value: Any) -> list:
        return [item(each) for each in _a_list(value)]

    return listed


def _nested(field: fields.Nested) -> Convert:
    if field.unknown is not None or field.only is not None or field.exclude:
        raise _NotCompilable(field.name or "nested")
    schema = field.schema
    many = bool(schema.many or field.many)
    item = _item_loader(schema, many)
    if not many:
        return item
    return lambda value: [item(each) for each in _a_list(value)]


def _a_list(value: Any) -> list:
    if type(value) is not list:
        raise _Miss
    return value


def _id_array(field: IdArray) -> Convert:
    entries, strict = _converter(field._entries), field.strict

    def id_array(value: Any) -> Any:
        return entries(value if strict else _as_entry_list(value))

    return id_array


def _mapping(field: fields.Dict) -> Convert:
    plain_keys = field.key_field is None or (
        type(field.key_field) is fields.String
        and not field.key_field.validators
        and not field.key_field.pre_load
        and not field.key_field.post_load
    )
    if field.value_field is not None or not plain_keys:
        raise _NotCompilable("Dict")

    def mapping(value: Any) -> dict:
        if type(value) is not dict or not all(type(key) is str for key in value):
            raise _Miss
        return dict(value)

    return mapping


#: the field kinds compiled, each with its converter maker (exact types: a subclass may
#: change what its values mean, so it is compiled only when listed here)
_KINDS: dict[type, Callable[[Any], Convert]] = {
    fields.Nested: _nested,
    fields.List: _listed,
    fields.Dict: _mapping,
    IdArray: _id_array,
    **LEAVES,
}
