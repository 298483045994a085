"""The mass-archive guard: a run that would archive too many linked records stops before writing."""

from __future__ import annotations

import pytest

from producers.sync.plan import Request
from tests.unit.sync.support import SyncWorld

pytestmark = pytest.mark.timeout(30)


def link_companies(world: SyncWorld, count: int, archived: int) -> list[dict]:
    """`count` linked partner companies, the first `archived` of them archived in the app."""
    companies = world.seed_partner("companies", count)
    for index, company in enumerate(companies):
        link, _ = world.store.id_map.claim(
            world.organization.id, "organizations", connec_id=f"c-{index}", partner_id=company["id"]
        )
        if index < archived:
            world.partner.state.patch("acct-test", "companies", company["id"], {"archived": True})
    return companies


def test_archiving_most_linked_partner_records_stops_the_run_before_publishing_and_says_why(
    world: SyncWorld,
) -> None:
    link_companies(world, 4, archived=3)
    world.seed_connec("people", 2)

    run = world.runner.run(world.organization, Request(full=True))

    assert run.state == "failed"
    assert run.error is not None and run.error.startswith(
        "MassArchive: organizations to-connec: 3 of 4 linked active records (75%) are archived "
        "in the partner app, more than sync.max_archive_share = 0.5"
    )
    assert world.publisher.envelopes == []  # nothing of it, nor of any later step


def test_archiving_up_to_the_share_goes_through(world: SyncWorld) -> None:
    link_companies(world, 4, archived=2)

    run = world.runner.run(world.organization, Request(full=True))

    assert run.state == "succeeded" and run.counts["organizations"]["to-connec"] == 4


def test_only_linked_active_records_count_toward_the_share(world: SyncWorld) -> None:
    companies = link_companies(world, 4, archived=1)
    for company in companies[1:3]:  # two more archived, but their links are already inactive
        link = world.store.id_map.find(
            world.organization.id, "organizations", partner_id=company["id"]
        )
        assert link is not None
        world.store.id_map.update(link.id, inactive=True)
        world.partner.state.patch("acct-test", "companies", company["id"], {"archived": True})
    world.seed_partner("companies", 5, archived=True)  # archived and never linked

    run = world.runner.run(world.organization, Request(full=True))

    assert run.state == "succeeded"  # 1 of the 2 linked active ones: 50 %


def test_connec_records_archived_or_inactive_count_for_the_connec_side(world: SyncWorld) -> None:
    people = world.seed_connec("people", 3, status="ACTIVE")
    people[0:0] = world.seed_connec("people", 1, status="INACTIVE")
    people[0:0] = world.seed_connec("people", 1, status="ARCHIVED")
    for index, person in enumerate(people):
        connec_id = person["id"][0]["id"]
        world.store.id_map.claim(
            world.organization.id, "people", connec_id=connec_id, partner_id=f"p-{index}"
        )

    lenient = world.runner.run(world.organization, Request(full=True))
    world.runner.settings = type(world.runner.settings)(max_archive_share=0.3)
    strict = world.runner.run(world.organization, Request(full=True))

    assert lenient.state == "succeeded"
    assert strict.state == "failed" and "people to-app: 2 of 5" in (strict.error or "")
    assert "archived in Connec!" in (strict.error or "")
