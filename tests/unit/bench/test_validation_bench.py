"""bench/validation.py measures what it says: the compiled path loads each of the bench record's
inputs itself (no fallback to marshmallow), and the `compiled_schemas` switch turns it off."""

from __future__ import annotations

import json
from typing import Any

from bench._library_paths import switch_off
from bench.validation import one_record
from mappers.registry import REFERENCE
from schemas import compiled
from schemas.envelope_wire import _SCHEMA as ENVELOPE_SCHEMA
from tests.unit.mapping.parity import fast_answer


def test_each_load_of_the_bench_record_takes_the_compiled_path() -> None:
    inputs = one_record()
    schemas = REFERENCE.entity("people").schemas
    assert fast_answer(ENVELOPE_SCHEMA, json.loads(inputs["envelope"])) is not None
    for kind in ("connec", "partner_write", "partner", "connec_write"):
        schema = getattr(schemas, kind)
        assert fast_answer(schema, inputs[kind]) == schema.load(inputs[kind]), kind


def test_the_switch_leaves_every_load_to_marshmallow(monkeypatch: Any) -> None:
    monkeypatch.setattr(compiled, "compiled", compiled.compiled)  # restored after the test
    switch_off("compiled_schemas")
    assert compiled.compiled(REFERENCE.entity("people").schemas.connec) is None
