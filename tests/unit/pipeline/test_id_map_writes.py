"""How many id map writes a record costs: each is a transaction (on SQLite, a turn of the
process's one writer), so a record applied to Connec! is claimed, then linked to its Connec! id
in the same commit that records its version, not in a write of its own."""

from __future__ import annotations

from typing import Any

import pytest

from sandboxes import testing
from tests.system import Direct, Sides

ACCOUNT = testing.ACCOUNT


def counted_writes(both: Sides, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The statements the id map writes from now on (each in a transaction of its own)."""
    direct = both.store.id_map._direct
    written: list[Any] = []
    write = direct.write

    def counting(statement: Any, values: Any) -> Any:
        written.append(statement)
        return write(statement, values)

    monkeypatch.setattr(direct, "write", counting)
    return written


def test_a_record_created_in_connec_is_claimed_then_linked_and_recorded_in_one_write(
    both: Sides, direct: Direct, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = both.partner.state.user_create(ACCOUNT, "products", {"name": "Widget"})
    written = counted_writes(both, monkeypatch)

    verdict = direct.from_partner("items", product)

    assert verdict.outcome == "applied"
    assert len(written) == 2  # the claim; then the Connec! id, the version, the lease released
    [item] = both.connec_records("items")
    [link] = both.links("items")
    assert link.connec_id == verdict.details["connec_id"]
    assert any(entry.get("id") == link.connec_id for entry in item["id"])
    assert (link.partner_id, link.to_connec_pending, link.lease_owner) == (
        str(product["id"]),
        False,
        None,
    )
    assert link.to_connec_version is not None


def test_an_update_of_a_linked_record_is_recorded_in_one_write_after_its_lease(
    both: Sides, direct: Direct, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = both.partner.state.user_create(ACCOUNT, "products", {"name": "Widget"})
    assert direct.from_partner("items", product).outcome == "applied"
    changed = both.partner.state.user_edit(ACCOUNT, "products", product["id"], {"name": "W2"})
    written = counted_writes(both, monkeypatch)

    verdict = direct.from_partner("items", changed)

    assert (verdict.outcome, verdict.details["status"]) == ("applied", "updated")
    assert len(written) == 3  # the lease, the write-ahead of the version, then the record
    [item] = both.connec_records("items")
    assert item["name"] == "W2"
