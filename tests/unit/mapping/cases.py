"""Table-driven mapping cases: JSON fixtures `<entity>__<case>.json`, run through the public API.

A case holds `call` (a function of `mappers`), `entity`, `input`, optionally `partner_record`
(for link_back) and `id_map` ({collection: {connec id: partner id}}), and either `expected`
(the output) or `raises` ({"type": ..., attributes...}). Any value may instead be
`{"payload": "<file in tests/fixtures/payloads>", "pointer": "<JSON pointer>"}`: read in place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mappers
from mappers import InvalidRecord, MappingContext, MissingReference

HERE = Path(__file__).parent
OWN_FIXTURES = HERE / "fixtures"
PAYLOADS = Path(__file__).parents[2] / "fixtures" / "payloads"
PROVIDER, REALM = "demoapp", "acct-2243"


def case_names() -> list[str]:
    return sorted(path.stem for path in OWN_FIXTURES.glob("*__*.json"))


def load_case(name: str) -> dict:
    return json.loads((OWN_FIXTURES / f"{name}.json").read_text())


def resolved(value: Any) -> Any:
    """The value, or the part of a payload fixture it points at."""
    if not (isinstance(value, dict) and set(value) == {"payload", "pointer"}):
        return value
    data = json.loads((PAYLOADS / value["payload"]).read_text())
    for key in filter(None, value["pointer"].split("/")):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def context(id_map: dict[str, dict[str, str]] | None = None) -> MappingContext:
    """Our provider and realm, and an id map answering from a plain dict."""
    known = id_map or {}
    return MappingContext(PROVIDER, REALM, lambda entity, cid: known.get(entity, {}).get(cid))


def outcome(case: dict) -> dict:
    """What the case's call gives: {"expected": output} or {"raises": {...}}."""
    ctx = context(case.get("id_map"))
    arguments = [case["entity"], resolved(case["input"])]
    if case["call"] == "link_back":
        arguments.append(resolved(case["partner_record"]))
    if case["call"] not in ("validate_connec", "validate_partner"):
        arguments.append(ctx)
    try:
        result = getattr(mappers, case["call"])(*arguments)
    except MissingReference as error:
        return {"raises": {"type": "MissingReference", **vars(error)}}
    except InvalidRecord as error:
        return {"raises": {"type": type(error).__name__, "errors": error.errors}}
    if isinstance(result, mappers.PartnerWrite):
        result = {"partner_id": result.partner_id, "body": result.body}
    return {"expected": result}


def as_json(value: Any) -> Any:
    """The value as it reads back from JSON (error keys of list items become strings)."""
    return json.loads(json.dumps(value))


def expected_outcome(case: dict) -> dict:
    if "raises" in case:
        return {"raises": case["raises"]}
    return {"expected": resolved(case["expected"])}
