"""The real-world corpus (tests/fixtures/real_world/): Connec! notification bodies and partner
event batches in the shapes real apps send, each with the source of its shape (`_source`).

Each goes through the receiver's parsing, the schemas and the mappers, and what arrives is
checked: the fields the target gets, the fields dropped (and only those), or the fields named
when the target cannot take the record. Then back again: the record the other side now holds
maps to the same body, so nothing is lost or changed on a round trip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mappers import (
    InvalidRecord,
    MappingContext,
    to_connec,
    to_partner,
    validate_connec,
    validate_partner,
)
from mappers.registry import collection_for_resource
from mappers.views import partner_view
from producers.events import parse_events
from producers.notifications import split_notification
from tests.unit.mapping.cases import PROVIDER, REALM

CORPUS = Path(__file__).parents[2] / "fixtures" / "real_world"
NAMES = sorted(path.stem for path in CORPUS.glob("*.json"))
#: the id map links every Connec! id: its partner id is `p-<Connec! id>`
CTX = MappingContext(PROVIDER, REALM, lambda entity, connec_id: f"p-{connec_id}")


class Linked:
    """The linked organization of every group: the test account, both directions on."""

    account = REALM

    def allows(self, entity: str, direction: str) -> bool:
        return True


def load(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / f"{name}.json").read_text())


def holds(expected: Any, actual: Any) -> bool:
    """Whether `actual` has every value of `expected` (objects may hold more keys)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and holds(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(holds(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


def test_the_corpus_holds_at_least_25_records_each_saying_where_its_shape_comes_from() -> None:
    cases = [load(name) for name in NAMES]
    assert sum(len(case["expect"]) for case in cases) >= 25
    assert all(case["_source"].strip() for case in cases)
    assert {name.split("__")[0] for name in NAMES} >= {"people", "organizations", "invoices"}


@pytest.mark.parametrize("name", NAMES)
def test_each_real_world_record_arrives_as_expected_and_comes_back_unchanged(name: str) -> None:
    case = load(name)
    if case["direction"] == "to-app":
        split = split_notification(case["body"], "default", lambda tenant, group: Linked())
        assert not split.ignored and len(split.envelopes) == len(case["expect"])
        for envelope, expected in zip(split.envelopes, case["expect"], strict=True):
            from_connec(envelope.entity, envelope.record, expected)
    else:
        events = parse_events(case["body"]).events
        assert len(events) == len(case["expect"])
        for event, expected in zip(events, case["expect"], strict=True):
            from_partner(collection_for_resource(event.resource), event.record, expected)


def from_connec(entity: str, record: dict[str, Any], expected: dict[str, Any]) -> None:
    try:
        read = validate_connec(entity, record)
        write = to_partner(entity, read, CTX)
    except InvalidRecord as refused:
        assert sorted(refused.errors) == sorted(expected.get("refused", ())), refused.errors
        return
    assert "refused" not in expected, write.body
    assert holds(expected["partner"], write.body), write.body
    dropped = [each.field for each in (*read.dropped, *write.dropped)]
    assert sorted(dropped) == sorted(expected["dropped"])
    if "partner_id" in expected:
        assert write.partner_id == expected["partner_id"]
    held = validate_partner(entity, {"id": write.partner_id or "p-new", **write.body})
    again = to_partner(entity, validate_connec(entity, to_connec(entity, held, CTX)), CTX)
    assert again.body == write.body and not again.dropped


def from_partner(entity: str, record: dict[str, Any], expected: dict[str, Any]) -> None:
    read = validate_partner(entity, record)
    pushed = to_connec(entity, read, CTX)
    assert holds(expected["connec"], pushed), pushed
    dropped = [each.field for each in (*read.dropped, *pushed.dropped)]
    assert sorted(dropped) == sorted(expected["dropped"])
    back = to_partner(entity, validate_connec(entity, pushed), CTX)
    assert without_line_ids(back.body) == partner_view(entity, read)
    assert back.partner_id == record["id"] and not back.dropped


def without_line_ids(body: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(body.get("lines"), list):
        return body
    return {
        **body,
        "lines": [{k: v for k, v in line.items() if k != "id"} for line in body["lines"]],
    }
