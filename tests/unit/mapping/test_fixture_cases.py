"""Every JSON case in fixtures/ (some reading the payload fixtures in place) gives its outcome."""

from __future__ import annotations

import pytest

from tests.unit.mapping.cases import (
    PAYLOADS,
    as_json,
    case_names,
    expected_outcome,
    load_case,
    outcome,
)


@pytest.mark.parametrize("name", case_names())
def test_each_case_gives_its_expected_output_or_error(name: str) -> None:
    case = load_case(name)
    assert as_json(outcome(case)) == expected_outcome(case)


def test_every_case_is_named_after_a_shared_entity_and_calls_the_public_api() -> None:
    from mappers.registry import COLLECTIONS

    calls = {"to_partner", "to_connec", "link_back", "archive_payload"}
    calls |= {"validate_connec", "validate_partner"}
    for name in case_names():
        case = load_case(name)
        assert name.split("__")[0] == case["entity"] and case["entity"] in COLLECTIONS, name
        assert case["call"] in calls, name


def test_the_payload_fixtures_are_read_in_place() -> None:
    assert (PAYLOADS / "connec_record__invoice_with_lines.json").is_file()
