"""Write-ahead: a version whose write's answer was lost blocks older versions, and is written
again itself (found by the fault suite: target 5xx, answers lost after the write applied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connec_sync.naming import TO_APP
from connec_sync.store import Store
from consumers.guard import STALE, Guard, Version
from consumers.outcomes import Skip


@pytest.fixture
def guarded(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    org = store.organizations.upsert(
        tenant="default", group_id="cld-w", account="acct-w", entities={"people": "both"}
    )
    yield store, org.id, Guard(store.id_map, "owner-w")
    store.close()


def version(second: int, content: str) -> Version:
    return Version.of(f"2026-11-27T10:00:{second:02d}Z", {"first_name": content})


def test_an_older_version_is_stale_while_a_newer_write_is_in_doubt(guarded) -> None:  # type: ignore[no-untyped-def]
    store, org, guard = guarded
    newer, older = version(20, "new"), version(10, "old")
    with pytest.raises(TimeoutError), guard.holding(org, "people", connec_id="c-1") as hold:
        assert hold.check_version(TO_APP, newer) is False
        hold.attempt(TO_APP, newer)
        raise TimeoutError("the partner applied the write, then its answer was lost")
    with pytest.raises(Skip) as skipped, guard.holding(org, "people", connec_id="c-1") as hold:
        hold.check_version(TO_APP, older)
    assert skipped.value.reason == STALE
    with guard.holding(org, "people", connec_id="c-1") as hold:
        assert hold.check_version(TO_APP, newer) is False  # its own retry writes again
        hold.attempt(TO_APP, newer)
        hold.record(TO_APP, newer)
    link = store.id_map.find(org, "people", connec_id="c-1")
    assert link.to_app_pending is False and link.to_app_version == newer.at
    with pytest.raises(Skip), guard.holding(org, "people", connec_id="c-1") as hold:
        hold.check_version(TO_APP, newer)  # applied and confirmed: the same version is stale now


def test_a_new_link_is_claimed_with_its_version_in_doubt_in_one_statement(guarded) -> None:  # type: ignore[no-untyped-def]
    store, org, guard = guarded
    newer, older = version(20, "new"), version(10, "old")
    updates: list[dict] = []
    update = store.id_map.update
    store.id_map.update = lambda link_id, **changes: (
        updates.append(changes) or update(link_id, **changes)
    )
    attempt = (TO_APP, newer)
    with (
        pytest.raises(TimeoutError),
        guard.holding(org, "people", connec_id="c-2", attempt=attempt) as hold,
    ):
        assert hold.link.to_app_pending is True and hold.link.to_app_version == newer.at
        assert hold.check_version(TO_APP, newer) is False
        hold.attempt(TO_APP, newer)  # recorded by the claim already: no second write
        raise TimeoutError("the create's answer was lost")
    assert updates == []
    with pytest.raises(Skip) as skipped, guard.holding(org, "people", connec_id="c-2") as hold:
        hold.check_version(TO_APP, older)
    assert skipped.value.reason == STALE
    with guard.holding(org, "people", connec_id="c-2", attempt=(TO_APP, older)) as hold:
        assert hold.link.to_app_version == newer.at  # found, not claimed: `attempt` unused
