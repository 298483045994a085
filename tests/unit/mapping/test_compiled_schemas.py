"""The compiled schemas (schemas/compiled.py) answer as marshmallow does: the same loaded output,
the same accepted and refused inputs, and on refusal marshmallow's own error, for every schema a
consumer loads, over every object in the fixtures under tests/ and mutations of them (seeded and
hypothesis-driven)."""

from __future__ import annotations

import random
import zlib
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, pre_load

from mappers import validate_connec
from schemas import compiled
from schemas.people import SCHEMAS as PEOPLE
from tests.unit.mapping.parity import (
    check_agreement,
    every_schema,
    fast_answer,
    fixture_objects,
    mutated,
    outcome,
)

SCHEMAS = every_schema()
LABELS = sorted(SCHEMAS)
OBJECTS = fixture_objects()
MUTANTS_PER_SEED = 6


@cache
def accepted(label: str) -> tuple[dict, ...]:
    """The fixture objects the schema's compiled checker loads itself (the seeds of mutation)."""
    schema = SCHEMAS[label]
    return tuple(each for each in OBJECTS if fast_answer(schema, each) is not None)


def test_every_schema_a_consumer_loads_is_covered_and_compiles() -> None:
    assert len(LABELS) >= 70  # 18 + 5 entities of two providers, 4 schemas each, the envelope
    assert all(compiled.compiled(SCHEMAS[label]) is not None for label in LABELS)


@pytest.mark.parametrize("label", LABELS)
def test_fixtures_agree_and_each_schema_loads_some_itself(label: str) -> None:
    schema = SCHEMAS[label]
    loaded_fast = sum(check_agreement(schema, each) for each in OBJECTS)
    assert loaded_fast > 0, "the compiled path is never taken: the test would prove nothing"


@pytest.mark.parametrize("label", LABELS)
def test_seeded_mutations_agree(label: str) -> None:
    rng = random.Random(zlib.crc32(label.encode()))
    schema, seeds = SCHEMAS[label], accepted(label)
    refused = 0
    for seed in seeds[:40]:
        for _ in range(MUTANTS_PER_SEED):
            mutant = mutated(seed, rng, rounds=rng.randint(1, 3))
            check_agreement(schema, mutant)
            refused += outcome(schema, mutant)[0] == "refused"
    assert refused > 0 or len(seeds) < 3, "no mutation was refused: the mutator does nothing"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_hypothesis_mutations_agree(data: st.DataObject) -> None:
    label = data.draw(st.sampled_from(LABELS))
    seeds = accepted(label)
    seed = data.draw(st.sampled_from(seeds))
    rng = data.draw(st.randoms(use_true_random=False))
    check_agreement(SCHEMAS[label], mutated(seed, rng, rounds=data.draw(st.integers(1, 4))))


def test_a_plainly_valid_record_never_reaches_marshmallow(monkeypatch: Any) -> None:
    record = {
        "id": [{"id": "pe-1", "provider": "connec", "realm": "org-1"}],
        "first_name": "Ann",
        "is_customer": "true",
        "address_work": {"billing": {"city": "Somewhere", "country": "UK"}},
        "updated_at": "2017-05-29T09:44:56+10:00",
        "unknown": 1,
    }
    expected = PEOPLE.connec.load(record)
    monkeypatch.setattr(PEOPLE.connec, "load", _not_called)
    assert validate_connec("people", record) == expected
    assert expected["address_work"]["billing"]["country"] == "GB"


def test_a_refusal_is_marshmallows_own() -> None:
    record = {"id": [{"id": "", "provider": "connec"}], "is_customer": "perhaps"}
    with pytest.raises(ValidationError) as failure:
        compiled.load(PEOPLE.connec, record)
    assert failure.value.messages == outcome(PEOPLE.connec, record)[1]
    assert fast_answer(PEOPLE.connec, record) is None


class _WithUuid(Schema):
    id = fields.UUID(required=True)


class _WithPreLoad(Schema):
    name = fields.String()

    @pre_load
    def _strip(self, data: dict, **_: Any) -> dict:
        return {key: value.strip() for key, value in data.items()}


@pytest.mark.parametrize(
    ("schema", "data"),
    [
        (_WithUuid(), {"id": "12345678-1234-5678-1234-567812345678"}),
        (_WithPreLoad(), {"name": "  Ann "}),
        (PEOPLE.connec.__class__(only=("id",)), {"id": "x", "first_name": "Ann"}),
    ],
)
def test_what_the_compiler_does_not_know_is_marshmallows(schema: Schema, data: dict) -> None:
    assert compiled.compiled(schema) is None
    assert compiled.load(schema, data) == schema.load(data)


def _not_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("marshmallow's load ran for a plainly valid record")
