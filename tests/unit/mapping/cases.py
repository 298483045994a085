"""Table-driven mapping cases: JSON fixtures `<entity>__<case>.json`, run through the public API.

A case holds `call` (a function of `mappers`), `entity`, `input`, optionally `partner_record`
(for link_back) and `id_map` ({collection: {connec id: partner id}}), and either `expected`
(the output, with `dropped`: the fields left out, when any) or `raises` ({"type": ...,
attributes...}). Any value may instead be `{"payload": "<file in tests/fixtures/payloads>",
"pointer": "<JSON pointer>"}`: read in place.
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


#: the validation a mapping's input goes through first, where a record enters the pipeline
VALIDATED_BY = {
    "to_partner": mappers.validate_connec,
    "link_back": mappers.validate_connec,
    "to_connec": mappers.validate_partner,
}


def outcome(case: dict) -> dict:
    """What the case's call gives, its input validated first as the pipeline's edge does:
    {"expected": output} or {"raises": {...}}, with "dropped" (fields left out, and why) when
    there are any."""
    ctx = context(case.get("id_map"))
    entity, call = case["entity"], case["call"]
    try:
        validated = _validated(call, entity, resolved(case["input"]))
        arguments = [entity, validated]
        if call == "link_back":
            arguments.append(mappers.validate_partner(entity, resolved(case["partner_record"])))
        if call not in ("validate_connec", "validate_partner"):
            arguments.append(ctx)
        result = getattr(mappers, call)(*arguments)
    except MissingReference as error:
        return {"raises": {"type": "MissingReference", **vars(error)}}
    except InvalidRecord as error:
        return {"raises": {"type": type(error).__name__, "errors": error.errors}}
    dropped = [*getattr(validated, "dropped", ()), *getattr(result, "dropped", ())]
    if isinstance(result, mappers.PartnerWrite):
        result = {"partner_id": result.partner_id, "body": result.body}
    said = {"dropped": [each.as_dict() for each in dropped]} if dropped else {}
    return {"expected": result, **said}


def partner_write(entity: str, connec_record: Any, ctx: MappingContext) -> mappers.PartnerWrite:
    """`to_partner` of a Connec! record validated as it enters the pipeline."""
    return mappers.to_partner(entity, mappers.validate_connec(entity, connec_record), ctx)


def connec_write(entity: str, partner_record: Any, ctx: MappingContext) -> dict:
    """`to_connec` of a partner record validated as it enters the pipeline."""
    return mappers.to_connec(entity, mappers.validate_partner(entity, partner_record), ctx)


def _validated(call: str, entity: str, record: Any) -> Any:
    validate = VALIDATED_BY.get(call)
    return validate(entity, record) if validate is not None else record


def as_json(value: Any) -> Any:
    """The value as it reads back from JSON (error keys of list items become strings)."""
    return json.loads(json.dumps(value))


def expected_outcome(case: dict) -> dict:
    if "raises" in case:
        return {"raises": case["raises"]}
    said = {"dropped": case["dropped"]} if case.get("dropped") else {}
    return {"expected": resolved(case["expected"]), **said}
