"""The company (Connec!, one per group) and the profile (partner, one per account) kept equal
through the real path: updated on either side, never created or deleted (PUT on Connec!, PATCH
on the partner). The organization shares only this entity (queue budget)."""

from __future__ import annotations

import pytest

from tests.integration.pipeline.support import ACCOUNT, GROUP, ours, wait

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def test_the_company_and_the_profile_are_kept_equal_both_ways_and_never_created(
    start_system,
) -> None:
    system = start_system(entities={"company": "both"})
    sides = system.sides
    connec, partner = sides.connec.state, sides.partner.state

    def company() -> dict:
        [record] = sides.connec_records("company")
        return record

    changes = {"name": "Doe Corp", "currency": "AUD", "timezone": "Australia/Sydney"}
    connec.user_edit(GROUP, "company", "", changes | {"website": {"url": "doe.example"}})
    wait(lambda: partner.record(ACCOUNT, "profile", "profile")["name"] == "Doe Corp", what="PATCH")
    profile = partner.record(ACCOUNT, "profile", "profile")
    assert (profile["currency"], profile["timezone"], profile["website"]) == (
        "AUD",
        "Australia/Sydney",
        "doe.example",
    )
    wait(lambda: ours(company()["id"]) == "profile", what="link-back")

    partner.user_edit(ACCOUNT, "profile", "profile", {"phone": "+61 2 9000 0000"})
    wait(
        lambda: (company().get("phone") or {}).get("landline") == "+61 2 9000 0000",
        what="PUT to Connec!",
    )
    assert company()["name"] == "Doe Corp"
    assert sides.partner_writes("POST") == [] and sides.partner_writes("DELETE") == []
    assert [e["method"] for e in sides.partner_writes("PATCH")] == ["PATCH"]
    to_connec = [e for e in connec.request_log.entries() if e["path"].endswith("/company")]
    assert "PUT" in {e["method"] for e in to_connec}
    assert {e["method"] for e in to_connec} <= {"GET", "PUT"} and to_connec  # never a POST
