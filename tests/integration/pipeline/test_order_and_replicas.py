"""Order and concurrency: old versions and duplicates change nothing, three replicas converge on
the newest version with no duplicate partner record, a person waits for its organization."""

from __future__ import annotations

import dataclasses
import random

import pytest

from tests.integration.pipeline.support import ACCOUNT, GROUP, publish, wait
from tests.system import connec_envelope

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def person_version(record: dict, version: int) -> dict:
    return {**record, "first_name": f"v{version}", "updated_at": f"2099-01-01T00:00:{version:02d}Z"}


def seeded_people(system, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    people = [{"first_name": "v0", "last_name": f"L{n}"} for n in range(count)]
    return system.sides.connec.state.seed(GROUP, "people", people)


def test_an_old_version_after_a_newer_one_and_a_duplicate_change_nothing(start_system) -> None:
    system = start_system()
    person, sentinel = seeded_people(system, 2)
    route = system.names.route("people", "to-app")
    newer = connec_envelope("people", person_version(person, 2))
    publish(system.settings.broker, route, [newer])
    wait(lambda: [c["first_name"] for c in system.sides.partner_records("contacts")] == ["v2"])
    wait(lambda: applied_at(system.sides.links("people")[0]).startswith("2099"))
    [link] = system.sides.links("people")
    writes = len(system.sides.partner_writes("PATCH")) + len(system.sides.partner_writes("POST"))

    old, again = (
        connec_envelope("people", person_version(person, 1)),
        dataclasses.replace(newer, message_id="again"),
    )
    last = connec_envelope("people", person_version(sentinel, 1))
    publish(system.settings.broker, route, [old, again, last])  # one consumer: in this order
    wait(lambda: len(system.sides.partner_records("contacts")) == 2, what="the sentinel applied")

    assert sorted(c["first_name"] for c in system.sides.partner_records("contacts")) == ["v1", "v2"]
    assert (
        len(system.sides.partner_writes("PATCH")) + len(system.sides.partner_writes("POST"))
        == writes + 1
    )
    assert system.sides.store.id_map.by_id(link.id).to_app_version == link.to_app_version


def test_three_replicas_and_many_concurrent_versions_end_newest_everywhere_without_duplicates(
    start_system, store_url
) -> None:
    system = start_system(store_url=store_url, replicas=3)
    people = seeded_people(system, 12)
    versions = [person_version(p, v) for p in people for v in range(1, 6)]
    deliveries = versions + random.sample(versions, 20)
    random.shuffle(deliveries)
    publish(
        system.settings.broker,
        system.names.route("people", "to-app"),
        [connec_envelope("people", r) for r in deliveries],
    )

    def newest_everywhere() -> bool:
        contacts = system.sides.partner_records("contacts")
        links = system.sides.links("people")
        newest = all(applied_at(link).startswith("2099-01-01T00:00:05") for link in links)
        return len(contacts) == 12 and all(c["first_name"] == "v5" for c in contacts) and newest

    wait(newest_everywhere, timeout_s=60, what="v5 on every contact")
    assert len(system.sides.partner_writes("POST")) == 12  # one create per record
    links = system.sides.links("people")
    assert len(links) == 12


def test_a_person_whose_organization_arrives_later_waits_then_applies(start_system) -> None:
    system = start_system()
    state = system.sides.connec.state
    [org] = state.seed(GROUP, "organizations", [{"name": "Late Corp"}])
    state.write_as_app(
        GROUP, "people", {"id": "p1", "first_name": "Ann", "organization_id": org["id"]}
    )
    wait(
        lambda: any(link.entity == "people" for link in system.sides.links()),
        what="the person claimed",
    )
    assert system.sides.partner_records("contacts") == []

    state.user_edit(GROUP, "organizations", org["id"][0]["id"], {"industry": "Retail"})

    [contact] = wait(
        lambda: system.sides.partner_records("contacts"), timeout_s=30, what="the person"
    )
    [company] = system.sides.partner_records("companies")
    assert contact["company_id"] == company["id"] and company["name"] == "Late Corp"
    assert ACCOUNT == "acct-test"


def applied_at(link) -> str:  # type: ignore[no-untyped-def]
    """The link's applied to-app version ("" while none, or while one is being written)."""
    return "" if link.to_app_pending else link.to_app_version or ""
