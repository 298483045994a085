"""The rule: a field whose value cannot be converted is dropped, never the record.

`load_tolerant` runs a schema; when some fields fail, it takes those fields out of the input,
says so (`Dropped`: the field's dotted path and the reason) and runs the schema again. Only what
cannot be left out makes the record invalid: a required field that is missing, a whole-record
rule of the target (a contact needs a name), a field the entity declares essential, or an
unknown field in a payload we built (a bug of ours). Then `Unconvertible` names those fields.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError

from schemas.compiled import load

#: at most this many rounds of dropping and loading again (each round drops at least one field)
MAX_ROUNDS = 20
#: marshmallow's message for a field a strict schema does not know: our bug, never dropped
UNKNOWN_FIELD = "Unknown field."
#: marshmallow's message for a required field that is missing
REQUIRED = "Missing data for required field."
_INDEX = re.compile(r"\.\d+(?=\.|$)")


@dataclass(frozen=True)
class Dropped:
    """A field left out of a record: its dotted path (list indexes included) and why."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


def field_name(path: str) -> str:
    """A dotted path without its list indexes (`lines.0.quantity` -> `lines.quantity`): a
    metric label of bounded variety."""
    return _INDEX.sub("", path)


class Loaded(dict):
    """A record as a tolerant load answers it: the data, with `dropped`, the fields left out."""

    dropped: tuple[Dropped, ...] = ()

    def __init__(self, data: Any = (), dropped: Iterable[Dropped] = ()) -> None:
        super().__init__(data)
        self.dropped = tuple(dropped)


class Unconvertible(Exception):
    """A record that cannot be taken without a field it lacks or whose value is unreadable;
    `errors` maps each such field's dotted path to its problems, `dropped` what was left out
    before."""

    def __init__(self, errors: dict[str, list[str]], dropped: tuple[Dropped, ...]) -> None:
        super().__init__(f"fields that cannot be left out: {errors}")
        self.errors = errors
        self.dropped = dropped


def load_tolerant(
    schema: Schema, data: Any, essential: frozenset[str] = frozenset()
) -> tuple[dict, tuple[Dropped, ...]]:
    """The loaded record and the fields dropped to load it (see the module's rule).

    `essential` holds paths (list indexes written `*`: `payment_lines.*.linked_transactions`)
    that are never dropped, nor anything inside them. Raises Unconvertible naming the fields
    that cannot be left out."""
    try:  # the common case: everything reads, and the input needs no copy
        return load(schema, data), ()
    except ValidationError as failure:
        problems = list(_leaves(failure.messages))
    current = copy.deepcopy(data)
    dropped: list[Dropped] = []
    for _ in range(MAX_ROUNDS):
        dropped += _drop(current, problems, essential, tuple(dropped))
        try:
            return load(schema, current), tuple(dropped)
        except ValidationError as failure:
            problems = list(_leaves(failure.messages))
    raise Unconvertible({"_schema": ["Too many unreadable fields."]}, tuple(dropped))


def _drop(
    current: Any, problems: list, essential: frozenset[str], before: tuple[Dropped, ...]
) -> list[Dropped]:
    """Take out of `current` what each problem names, and say so; Unconvertible when one of
    them cannot be left out."""
    plan: dict[tuple, list[str]] = {}
    fatal: dict[str, list[str]] = {}
    for path, messages in problems:
        target = _what_to_drop(current, path, messages, essential)
        if target is None:
            fatal[_dotted(path)] = messages
        else:
            plan.setdefault(target, []).extend(_said(path[len(target) :], messages))
    if fatal:
        raise Unconvertible(fatal, before)
    for target in sorted(plan, key=_highest_index_first):
        _remove(current, target)
    return [Dropped(_dotted(path), " ".join(reasons)) for path, reasons in plan.items()]


def _what_to_drop(
    data: Any, path: tuple, messages: list[str], essential: frozenset[str]
) -> tuple | None:
    """The path to take out for a failing field: the field itself when it is there; for a
    required part of a nested object that is missing, the object holding it (an id entry without
    its provider, an allocation without its invoice). None: it cannot be left out."""
    if _droppable(path, messages, essential) and _find(data, path) is not None:
        return path
    target = path
    while REQUIRED in messages and len(target) > 1:
        target = target[:-1]
        if _droppable(target, [], essential) and _find(data, target) is not None:
            return target
    return None


def _said(inner: tuple, messages: list[str]) -> list[str]:
    where = f"{_dotted(inner)}: " if inner else ""
    return [where + message for message in messages]


def _dotted(path: tuple) -> str:
    return ".".join(map(str, path))


def _highest_index_first(path: tuple) -> tuple:
    """Removing list items from the highest index down keeps the other indexes right."""
    return tuple((0, -key) if isinstance(key, int) else (1, key) for key in path)


def _leaves(messages: Any, path: tuple = ()) -> Iterator[tuple[tuple, list[str]]]:
    """(path, messages) of each failing field in marshmallow's nested error messages."""
    if isinstance(messages, dict):
        for key, nested in messages.items():
            yield from _leaves(nested, path if key == "_schema" and path else (*path, key))
    else:
        listed = messages if isinstance(messages, list) else [messages]
        yield path, [str(message) for message in listed]


def _droppable(path: tuple, messages: list[str], essential: frozenset[str]) -> bool:
    pattern = ".".join("*" if isinstance(key, int) else str(key) for key in path)
    kept = any(pattern == each or pattern.startswith(each + ".") for each in essential)
    return bool(path) and path[0] != "_schema" and not kept and UNKNOWN_FIELD not in messages


def _find(data: Any, path: tuple) -> tuple | None:
    """The (container, key) holding the value at `path`, None when nothing is there."""
    *parents, last = path
    for key in parents:
        found = _find(data, (key,))
        if found is None:
            return None
        data = found[0][found[1]]
    if isinstance(data, dict) and last in data:
        return data, last
    if isinstance(data, list) and isinstance(last, int) and 0 <= last < len(data):
        return data, last
    return None


def _remove(data: Any, path: tuple) -> None:
    found = _find(data, path)
    if found is not None:
        container, key = found
        del container[key]
