"""`connec-sync orgs`: link, configure, list and unlink organizations in the store."""

from __future__ import annotations

import json

from commands import main
from connec_sync.store import Store


def orgs(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    status = main(["orgs", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_link_then_set_then_list_shows_the_organization(store_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert orgs(capsys, "link", "--group", "cld-1", "--account", "a-1")[0] == 0
    status, _, _ = orgs(
        capsys,
        "set",
        "--account",
        "a-1",
        "--disable",
        "--entity",
        "items=to-app",
        "--conflict-winner",
        "partner",
    )
    assert status == 0
    status, out, _ = orgs(capsys, "list", "--json")
    listed = json.loads(out)
    assert status == 0 and len(listed) == 1
    assert listed[0]["enabled"] is False and listed[0]["conflict_winner"] == "partner"
    assert listed[0]["entities"]["items"] == "to-app"
    assert listed[0]["entities"]["people"] == "both"  # link's default: every entity both ways


def test_a_wrong_entity_or_direction_is_refused_with_status_2(store_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    status, _, err = orgs(
        capsys, "link", "--group", "g", "--account", "a", "--entity", "venues=both"
    )
    assert status == 2 and "unknown entity 'venues'" in err
    status, _, err = orgs(capsys, "link", "--group", "g", "--account", "a", "--entity", "items=up")
    assert status == 2 and "direction must be one of" in err
    assert Store.open(store_url).organizations.all() == []


def test_unlink_needs_confirmation_and_forgets_the_id_map(store_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    orgs(capsys, "link", "--group", "cld-1", "--account", "a-1")
    store = Store.open(store_url)
    org = store.organizations.by_account("a-1")
    store.id_map.claim(org.id, "people", connec_id="c-1")
    assert orgs(capsys, "unlink", "--group", "cld-1")[0] == 2
    assert orgs(capsys, "unlink", "--group", "cld-1", "--yes")[0] == 0
    assert store.organizations.all() == [] and store.id_map.links() == []
    assert orgs(capsys, "unlink", "--group", "cld-1", "--yes")[0] == 4
    store.close()
