"""The Celery peer's pipeline (bench/celery_peer/pipeline.py) applies records as ours would:
each Connec! person created once in the partner app, linked in the id map and linked back in
Connec!; a record already linked is updated, not created again. (The Celery task around it only
calls it; `make bench` checks every record of the Celery runs the same way.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench._consumer_setup import CONFIG
from bench._import_world import CREDENTIALS
from bench.celery_peer.pipeline import PeerPipeline
from connec_sync.settings import Settings
from mappers import connec_id
from sandboxes import testing
from schemas.envelope import Envelope

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[PeerPipeline, Any, Any]]:
    connec, partner = testing.start_connec(), testing.start_partner()
    config = tmp_path / "config.toml"
    config.write_text(
        CONFIG.format(
            url="memory://",
            namespace="peer",
            store=f"sqlite:///{tmp_path / 'store.db'}",
            connec=connec.url,
            partner=partner.url,
            **CREDENTIALS,
        )
    )
    pipeline = PeerPipeline.from_settings(Settings.from_file(config))
    yield pipeline, connec, partner
    pipeline.close()
    connec.stop()
    partner.stop()


def message(record: dict[str, Any]) -> str:
    envelope = Envelope.new(
        direction="to-app",
        entity="people",
        record=record,
        tenant=testing.TENANT,
        group_id=testing.GROUP_ID,
        account=testing.ACCOUNT,
    )
    return envelope.encode().decode()


def test_each_person_is_created_once_linked_in_the_id_map_and_linked_back(world) -> None:  # type: ignore[no-untyped-def]
    pipeline, connec, partner = world
    people = connec.state.seed(
        testing.GROUP_ID,
        "people",
        [{"first_name": f"Ada{n}", "last_name": "Peer"} for n in range(3)],
    )

    assert [pipeline.apply(message(person)) for person in people] == ["created"] * 3

    contacts = partner.state.records(testing.ACCOUNT, "contacts")
    assert sorted(c["first_name"] for c in contacts) == ["Ada0", "Ada1", "Ada2"]
    organization = pipeline.store.organizations.by_group(testing.TENANT, testing.GROUP_ID)
    for person in people:
        own = connec_id(person["id"])
        link = pipeline.store.id_map.find(organization.id, "people", connec_id=own)
        assert link is not None and link.partner_id in {c["id"] for c in contacts}
        linked = connec.state.record(testing.GROUP_ID, "people", own)
        ours = [e["id"] for e in linked["id"] if e.get("provider") == "demoapp"]
        assert ours == [link.partner_id]


def test_a_linked_person_is_updated_in_place(world) -> None:  # type: ignore[no-untyped-def]
    pipeline, connec, partner = world
    [person] = connec.state.seed(
        testing.GROUP_ID, "people", [{"first_name": "Bo", "last_name": "X"}]
    )
    pipeline.apply(message(person))
    linked = connec.state.record(testing.GROUP_ID, "people", connec_id(person["id"]))

    assert pipeline.apply(message({**linked, "last_name": "Y"})) == "updated"

    [contact] = partner.state.records(testing.ACCOUNT, "contacts")
    assert (contact["first_name"], contact["last_name"]) == ("Bo", "Y")
