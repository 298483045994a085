"""The long outage's expectations of the dead letters: every record at its newest version, older
versions dead-lettered too or skipped `stale` behind it (the write-ahead guard)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaos.outage import expectations, log_marks, stale_skips
from tests.system import Direct, Sides
from tests.unit.pipeline.conftest import both, direct  # noqa: F401 (fixtures used here)

pytestmark = pytest.mark.timeout(30)
R, S = "app|organizations|co_1", "connec|people|c-9"
WHY = "retries_exhausted"


def test_the_newest_version_of_every_record_must_be_dead_lettered_with_the_reason() -> None:
    found = expectations({f"{R}|1", f"{R}|2", f"{S}|1"}, [], {R: 1}, WHY)
    assert found.expected_dead == {f"{R}|2": WHY, f"{S}|1": WHY}
    assert found.unaccounted == []


def test_an_older_version_dead_lettered_is_expected_with_the_same_reason() -> None:
    found = expectations({f"{R}|1", f"{R}|2"}, [(f"{R}|1", "invalid"), (f"{R}|2", WHY)], {}, WHY)
    assert found.expected_dead == {f"{R}|1": WHY, f"{R}|2": WHY}  # so "invalid" is unexplained
    assert found.unaccounted == []


def test_an_older_version_neither_dead_nor_skipped_stale_is_unaccounted() -> None:
    acked = {f"{R}|1", f"{R}|2", f"{R}|3"}
    assert expectations(acked, [], {R: 1}, WHY).unaccounted == [f"{R}|2"]
    assert expectations(acked, [], {S: 5}, WHY).unaccounted == [f"{R}|1", f"{R}|2"]


def test_stale_skips_are_read_per_record_from_what_the_logs_got_after_the_mark(
    tmp_path: Path,
) -> None:
    log = tmp_path / "consumer-0.log"

    def skip(direction: str, entity: str, record_id: str, reason: str = "stale") -> str:
        entry = {"event": "record_skipped", "reason": reason, "direction": direction}
        return json.dumps({**entry, "entity": entity, "record_id": record_id}) + "\n"

    log.write_text(skip("to-connec", "organizations", "co_1"))
    marks = log_marks([log, tmp_path / "consumer-1.log"])
    (tmp_path / "consumer-1.log").write_text("--- start 1\n" + skip("to-app", "people", "c-9"))
    with log.open("a") as more:
        more.write(skip("to-connec", "organizations", "co_1") + skip("to-app", "people", "c-9"))
        more.write(skip("to-app", "people", "c-9", reason="echo") + "not json\n")

    assert stale_skips(marks) == {R: 1, S: 2}


def test_an_older_version_after_a_newer_one_failed_with_503_is_skipped_stale(
    both: Sides,  # noqa: F811
    direct: Direct,  # noqa: F811
) -> None:
    """What the long outage found: with both targets down, a version's first try records it as
    being written (write-ahead), so the older version's retry is skipped `stale` rather than
    dead-lettered; the newer one alone keeps retrying and applies once the target is back."""
    company = {"id": "co_1", "name": "Acme", "industry": "v1"}
    older = {**company, "updated_at": "2026-11-27T10:00:01.000000Z"}
    newer = {**company, "industry": "v2", "updated_at": "2026-11-27T10:00:02.000000Z"}
    both.connec.state.faults.set(error_rate=1.0, error_statuses=[503])
    first = direct.from_partner("organizations", older, "created")
    second = direct.from_partner("organizations", newer)
    again = direct.from_partner("organizations", older, "created")
    both.connec.state.faults.reset()
    last = direct.from_partner("organizations", newer)

    assert (first.outcome, second.outcome) == ("retried", "retried")
    assert (again.outcome, again.reason, last.outcome) == ("skipped", "stale", "applied")
    [organization] = both.connec_records("organizations")
    assert organization["industry"] == "v2"
