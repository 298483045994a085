"""The conflict rule, as a table: (organization's winner, direction of the message, whether the
other direction applied a newer change) -> applied or skipped `conflict`."""

from __future__ import annotations

import pytest

from connec_sync.naming import TO_APP, TO_CONNEC
from connec_sync.store import IdLink
from consumers.guard import Version, conflict_skips, in_conflict, in_same_second

EARLY, LATE = "2026-11-27T10:00:00.000000+00:00", "2026-11-27T10:05:00.000000+00:00"


def link(to_app: str | None = None, to_connec: str | None = None) -> IdLink:
    return IdLink(
        1, 1, "people", "c", "p", None, to_app, "h", to_connec, "h", None, None, None, False
    )


@pytest.mark.parametrize(
    ("winner", "direction", "skipped"),
    [
        ("recent", TO_APP, True),
        ("recent", TO_CONNEC, True),
        ("connec", TO_APP, False),
        ("connec", TO_CONNEC, True),
        ("partner", TO_APP, True),
        ("partner", TO_CONNEC, False),
    ],
)
def test_a_change_older_than_the_other_sides_last_applied_one_follows_the_winner_setting(
    winner: str, direction: str, skipped: bool
) -> None:
    newer_other = link(to_app=LATE, to_connec=LATE)
    assert in_conflict(newer_other, direction, Version(EARLY, "x"))
    assert conflict_skips(winner, direction) is skipped


def test_a_change_newer_than_the_other_sides_last_applied_one_is_no_conflict() -> None:
    assert not in_conflict(link(to_connec=EARLY), TO_APP, Version(LATE, "x"))
    assert not in_conflict(link(), TO_APP, Version(EARLY, "x"))


def test_changes_within_the_same_second_are_no_conflict_as_connec_keeps_whole_seconds() -> None:
    partner_change = "2026-11-27T10:00:00.700000+00:00"
    connec_change = "2026-11-27T10:00:00.000000+00:00"
    assert not in_conflict(link(to_connec=partner_change), TO_APP, Version(connec_change, "x"))


def test_a_change_in_the_second_of_the_other_sides_last_applied_one_is_read_again() -> None:
    """Which of the two came first is unknown: the source's current record decides."""
    partner_change = "2026-11-27T10:00:00.700000+00:00"
    assert in_same_second(link(to_connec=partner_change), TO_APP, Version(EARLY, "x"))
    assert in_same_second(link(to_app=EARLY), TO_CONNEC, Version(partner_change, "x"))
    assert not in_same_second(link(to_connec=LATE), TO_APP, Version(EARLY, "x"))
    assert not in_same_second(link(), TO_APP, Version(EARLY, "x"))
