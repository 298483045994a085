"""What the compiled-schema tests share: every schema a consumer loads, every object in the
fixtures under tests/, mutations of them, and the check that the compiled path and marshmallow
agree."""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError

from providers.registry import PROVIDERS
from schemas import compiled
from schemas.envelope import Envelope
from schemas.envelope_wire import _SCHEMA as ENVELOPE_SCHEMA

TESTS = Path(__file__).parents[2]
KINDS = ("connec", "connec_write", "partner", "partner_write")


def every_schema() -> dict[str, Schema]:
    """The envelope's schema and the four of every entity of every provider, by label."""
    found: dict[str, Schema] = {"envelope": ENVELOPE_SCHEMA}
    for name in PROVIDERS:
        for entity in PROVIDERS[name].entities.entities:
            for kind in KINDS:
                found[f"{name}.{entity.collection}.{kind}"] = getattr(entity.schemas, kind)
    return found


def _objects(value: Any) -> Iterator[dict]:
    if isinstance(value, dict):
        yield value
        for each in value.values():
            yield from _objects(each)
    elif isinstance(value, list):
        for each in value:
            yield from _objects(each)


def fixture_objects() -> list[dict]:
    """Every JSON object anywhere in every fixture file under tests/ (records, bodies, id
    entries, addresses, lines, expectations), and each wrapped in an envelope as a consumer
    receives it."""
    found = [
        each
        for path in sorted(TESTS.rglob("*.json"))
        for each in _objects(json.loads(path.read_text()))
    ]
    return found + [_enveloped(record, number) for number, record in enumerate(found)]


def _enveloped(record: dict, number: int) -> dict:
    direction = ("to-app", "to-connec")[number % 2]
    return Envelope.new(
        entity="people", direction=direction, record=record, tenant="t", account="a"
    ).to_json()


def outcome(schema: Schema, data: Any) -> tuple[str, Any]:
    """marshmallow's answer: ("loaded", data) or ("refused", its error messages)."""
    try:
        return "loaded", schema.load(data)
    except ValidationError as error:
        return "refused", error.messages


def fast_answer(schema: Schema, data: Any) -> Any:
    """The compiled checker's own answer, None when it gives up (marshmallow then decides)."""
    fast = compiled.compiled(schema)
    assert fast is not None, "every schema a consumer loads compiles"
    try:
        return fast(data)
    except (compiled._Miss, ValidationError):
        return None


def same(one: Any, other: Any) -> bool:
    """Equal, with the same types and the same key order (JSON text alike: 1 is not 1.0)."""
    return json.dumps(one, default=repr) == json.dumps(other, default=repr) and _equal(one, other)


def _equal(one: Any, other: Any) -> bool:
    if isinstance(one, float) and isinstance(other, float) and math.isnan(one):
        return math.isnan(other)
    return bool(one == other)


def check_agreement(schema: Schema, data: Any) -> bool:
    """Asserts that the compiled path answers as marshmallow: when it loads, marshmallow loads
    the same; through `compiled.load`, the same output or the same refusal; the input never
    changed. True when the compiled checker loaded it itself."""
    before = copy.deepcopy(data)
    expected = outcome(schema, data)
    fast = fast_answer(schema, data)
    assert same(data, before), "the compiled checker changed its input"
    if fast is not None:
        assert expected[0] == "loaded", f"compiled accepted what marshmallow refuses: {expected}"
        assert same(fast, expected[1]), f"compiled {fast!r} != marshmallow {expected[1]!r}"
    try:
        through = ("loaded", compiled.load(schema, data))
    except ValidationError as error:
        through = ("refused", error.messages)
    assert through[0] == expected[0]
    assert same(through[1], expected[1])
    return fast is not None


#: values a mutation puts in a field: every JSON type, edge numbers, text that reads as others
ODD_VALUES: tuple[Any, ...] = (
    None,
    0,
    1,
    -1,
    2**60,
    1.5,
    -0.005,
    float("nan"),
    float("inf"),
    True,
    False,
    "",
    " ",
    "x",
    "12.5",
    "true",
    "no",
    "2016-06-12 23:26:26",
    "2020-02-30",
    "UK",
    "connec",
    [],
    [None],
    ["x"],
    [{"id": "x", "provider": "connec"}],
    {},
    {"id": "x"},
    {"id": 7, "provider": "connec", "realm": None},
)


def mutated(data: Any, rng: random.Random, rounds: int) -> Any:
    """A copy of `data` with `rounds` random changes at random places: a field dropped, nulled,
    given another type or value, an unknown field added, a list item duplicated or dropped."""
    copied = copy.deepcopy(data)
    for _ in range(rounds):
        _mutate_at(copied, rng)
    return copied


def _places(value: Any) -> list[Any]:
    """The containers inside `value` (itself included)."""
    found = [value] if isinstance(value, dict | list) else []
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        found += _places(child)
    return found


def _mutate_at(data: Any, rng: random.Random) -> None:
    places = _places(data)
    if not places:
        return
    place = rng.choice(places)
    if isinstance(place, dict):
        _mutate_object(place, rng)
    elif place:
        index = rng.randrange(len(place))
        action = rng.randrange(3)
        if action == 0:
            del place[index]
        elif action == 1:
            place.append(copy.deepcopy(place[index]))
        else:
            place[index] = _odd_value(rng)


def _mutate_object(place: dict, rng: random.Random) -> None:
    if not place or rng.random() < 0.15:
        place[rng.choice(("unknown_field", "id", "realm", "status", "lines"))] = _odd_value(rng)
        return
    key = rng.choice(sorted(place))
    if rng.random() < 0.3:
        del place[key]
    else:
        place[key] = _odd_value(rng)


def _odd_value(rng: random.Random) -> Any:
    """One of ODD_VALUES, a copy (a later mutation may change it in place)."""
    return copy.deepcopy(rng.choice(ODD_VALUES))
