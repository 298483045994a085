"""The fault suite's checker on synthetic ledgers: each figure counts what reliability.md says."""

from __future__ import annotations

import pytest

from chaos.checker import Evidence, check

pytestmark = pytest.mark.timeout(10)
A, B = "connec|people|a", "app|organizations|b"


def key(record: str, version: int) -> str:
    return f"{record}|{version}"


def evidence(**overrides: object) -> Evidence:
    """A clean run: two records, two versions each, all applied in order, newest final."""
    sent = {key(r, v): 1 for r in (A, B) for v in (1, 2)}
    values: dict[str, object] = {
        "sent": sent,
        "acked": set(sent),
        "effects": [key(A, 1), key(B, 1), key(A, 2), key(B, 2)],
        "final": {"t-a": key(A, 2), "t-b": key(B, 2)},
    }
    return Evidence(**{**values, **overrides})  # type: ignore[arg-type]


def test_a_clean_run_has_every_figure_at_zero() -> None:
    figures = check(evidence())
    assert figures.clean and (figures.sent, figures.acked, figures.applied) == (4, 4, 4)


def test_a_version_superseded_by_a_newer_applied_one_is_not_lost() -> None:
    figures = check(evidence(effects=[key(A, 2), key(B, 2)]))
    assert figures.lost == 0 and figures.clean


def test_an_acknowledged_version_never_reached_is_lost() -> None:
    figures = check(
        evidence(
            effects=[key(A, 1), key(B, 1), key(B, 2)], final={"t-a": key(A, 1), "t-b": key(B, 2)}
        )
    )
    assert figures.lost == 1 and figures.examples["lost"] == [key(A, 2)]


def test_a_key_applied_twice_is_a_duplicate_effect() -> None:
    figures = check(evidence(effects=[key(A, 1), key(A, 1), key(A, 2), key(B, 2)]))
    assert figures.duplicates == 1


def test_two_target_records_for_one_source_record_are_a_duplicate() -> None:
    figures = check(evidence(final={"t-a": key(A, 2), "t-a2": key(A, 1), "t-b": key(B, 2)}))
    assert figures.duplicates == 1


def test_an_effect_never_sent_is_unexpected() -> None:
    figures = check(evidence(effects=[key(A, 1), key(A, 2), key(B, 2), key(B, 9)]))
    assert figures.unexpected == 1


def test_an_older_version_applied_after_a_newer_one_is_a_regression() -> None:
    figures = check(
        evidence(
            effects=[key(A, 2), key(A, 1), key(B, 2)], final={"t-a": key(A, 1), "t-b": key(B, 2)}
        )
    )
    assert figures.regressions == 1 and figures.final_wrong == 1


def test_a_final_state_older_than_the_newest_acknowledged_version_is_wrong() -> None:
    figures = check(evidence(final={"t-a": key(A, 1), "t-b": key(B, 2)}))
    assert figures.final_wrong == 1


def test_a_newer_version_sent_but_never_acknowledged_may_be_the_final_state() -> None:
    sent = {key(A, 1): 1, key(A, 2): 3}
    figures = check(Evidence(sent, {key(A, 1)}, [key(A, 1), key(A, 2)], {"t-a": key(A, 2)}))
    assert figures.clean


def test_dead_letters_must_be_exactly_the_poison_with_its_reason() -> None:
    poison = key(A, 1)
    base = evidence(effects=[key(A, 2), key(B, 1), key(B, 2)], expected_dead={poison: "invalid"})
    assert check(Evidence(**{**base.__dict__, "dead": [(poison, "invalid")]})).clean
    assert check(Evidence(**{**base.__dict__, "dead": []})).dead_unexplained == 1
    wrong_reason = check(Evidence(**{**base.__dict__, "dead": [(poison, "delivery_limit")]}))
    assert wrong_reason.dead_unexplained == 1
    innocent = check(
        Evidence(**{**base.__dict__, "dead": [(poison, "invalid"), (key(B, 1), "invalid")]})
    )
    assert innocent.dead_unexplained == 1


def test_after_a_replay_dead_lettered_versions_must_be_applied_too() -> None:
    dead = {key(A, 1): "retries_exhausted", key(A, 2): "retries_exhausted"}
    letters = list(dead.items())
    never_applied = evidence(effects=[key(B, 1), key(B, 2)], final={"t-b": key(B, 2)}, dead=letters)
    never_applied.expected_dead = dead
    assert check(never_applied).clean
    never_applied.replayed = True
    assert check(never_applied).lost == 2
