"""`connec-sync sync` with Tryton as the partner app: the sync's runner (as the command builds
it: the configured provider's client and entities) reads a Tryton of the test's own and the
Connec! sandbox, and what it publishes is applied by the consumers' handlers. The first sync
imports what each side had before (two companies and an item each way); a later one carries an
edit made on each side; neither that one, nor a full re-sync, nor one more duplicates anything,
and the last one finds nothing left to apply."""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from connec_sync.clients.connec import ConnecClient
from connec_sync.clients.http import RateGate
from connec_sync.naming import Names
from consumers.verdicts import judge
from producers.sync.plan import Request
from producers.sync.reader import Sources
from producers.sync.run import Runner
from providers import registry
from providers.tryton import values
from providers.tryton.books import ORGANIZATION
from providers.tryton.client import TrytonClient
from sandboxes import testing
from schemas.envelope import decode
from tests.integration.tryton.world import DATABASE, TrytonWorld, world
from tests.unit.sync.support import RecordingPublisher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

GROUP = testing.GROUP_ID
#: what applying a published record may come to: written, or already there
SETTLED = {"applied", "skipped"}


@dataclasses.dataclass
class Syncing:
    world: TrytonWorld
    tryton: TrytonClient
    runner: Runner
    publisher: RecordingPublisher

    applied: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)

    def sync(self, full: bool = False) -> dict[str, int]:
        """One run, its records applied by the handlers in the order published; outcomes
        counted, and what was applied kept in `applied` (entity, direction, name)."""
        organization = self.world.organization
        finished = self.runner.run(organization, Request(full=full))
        assert finished.state == "succeeded", finished.error
        outcomes: dict[str, int] = {}
        self.applied.clear()
        for raw in self.publisher.envelopes:
            envelope = decode(json.dumps(raw))
            verdict = judge(self.world.handlers[(envelope.entity, envelope.direction)], envelope, 8)
            assert verdict.outcome in SETTLED, verdict
            outcomes[verdict.outcome] = outcomes.get(verdict.outcome, 0) + 1
            if verdict.outcome == "applied":
                name = str(envelope.record.get("name"))
                self.applied.append((envelope.entity, envelope.direction, name))
        self.publisher.batches.clear()
        self.world.link_backs.flush()
        return outcomes

    def tryton_names(self, model: str, domain: list[Any]) -> list[str]:
        found = self.tryton.search(DATABASE, model, domain, ["name"])
        return sorted(record["name"] for record in found)

    def connec_names(self, collection: str) -> list[str]:
        return sorted(
            record["name"] for record in self.world.connec.state.records(GROUP, collection)
        )


@pytest.fixture
def syncing(own_tryton, sqlite_store_url) -> Iterator[Syncing]:
    with world(own_tryton, sqlite_store_url, overlap_s=0) as running:
        settings = running.settings
        provider = registry.configured(settings)
        gate = RateGate()
        connec = ConnecClient.from_settings(settings, testing.TENANT, gate)
        partner = provider.client(settings, gate)
        sources = Sources(connec, partner, 2, provider.entities)  # pages of two records
        publisher = RecordingPublisher()
        runner = Runner(
            running.store,
            publisher,
            lambda _organization: sources,
            Names("tryton-sync"),
            settings.sync,
            threading.Event(),
        )
        facts = own_tryton.facts
        tryton = TrytonClient(own_tryton.url, own_tryton.api_key, facts["company"], 60.0)
        try:
            yield Syncing(running, tryton, runner, publisher)
        finally:
            tryton.close()
            partner.close()
            connec.close()


def test_the_first_sync_imports_both_ways_and_later_ones_carry_edits_and_duplicate_nothing(
    syncing,
):
    unique = uuid.uuid4().hex[:6]
    world, tryton = syncing.world, syncing.tryton
    books = world.handlers[("organizations", "to-app")].pipeline.targets.partner.books(DATABASE)
    organization_category = books.category(ORGANIZATION)
    made_in_tryton = [
        tryton.create(
            DATABASE,
            "party.party",
            {"name": f"{name} {unique}", "categories": [values.add([organization_category])]},
        )
        for name in ("Globex", "Initech")
    ]
    tryton.create(
        DATABASE,
        "product.template",
        {
            "name": f"Hammock {unique}",
            "type": "goods",
            "default_uom": books.unit(),
            "products": [values.create({})],
        },
    )
    for name in ("Acme", "Umbrella"):
        world.in_connec("organizations", id=f"{name}-{unique}", name=f"{name} {unique}")
    world.in_connec("items", id=f"i-{unique}", name=f"Widget {unique}", reference=f"W-{unique}")
    parties = [("categories", "=", organization_category)]
    companies = sorted(f"{name} {unique}" for name in ("Acme", "Globex", "Initech", "Umbrella"))
    items = [f"Hammock {unique}", f"Widget {unique}"]

    first = syncing.sync()

    assert first == {"applied": 6}
    assert syncing.tryton_names("party.party", parties) == companies
    assert syncing.tryton_names("product.template", []) == items
    assert syncing.connec_names("organizations") == companies
    assert syncing.connec_names("items") == items

    tryton.update(
        DATABASE, "party.party", made_in_tryton[0]["id"], {"name": f"Globex Corp {unique}"}
    )
    acme = next(
        record
        for record in world.connec.state.records(GROUP, "organizations")
        if record["name"] == f"Acme {unique}"
    )
    connec_id = next(entry["id"] for entry in acme["id"] if entry["provider"] == "connec")
    world.connec.state.user_edit(GROUP, "organizations", connec_id, {"name": f"Acme Inc {unique}"})
    renamed = sorted(
        f"{name} {unique}" for name in ("Acme Inc", "Globex Corp", "Initech", "Umbrella")
    )

    second = syncing.sync()

    # the two edits, each applied once; Globex's copy read from Connec! before its edit reached
    # it is never applied over the edit (skipped as a conflict, or, in the edit's second, as
    # the echo of the edit); the item made from Connec! may go once more each way (Tryton's
    # read-back has defaults our create did not say: type goods, prices 0), depending on
    # whether its two sides' times fall in one second; everything else read again is skipped
    assert sum(second.values()) == 12
    edits = [
        ("organizations", "to-connec", f"Globex Corp {unique}"),
        ("organizations", "to-app", f"Acme Inc {unique}"),
    ]
    assert [each for each in syncing.applied if each[0] == "organizations"] == edits
    assert {entity for entity, _, _ in syncing.applied} == {"organizations", "items"}
    assert syncing.tryton_names("party.party", parties) == renamed
    assert syncing.connec_names("organizations") == renamed

    full = syncing.sync(full=True)

    # the item's Connec! record, written by the second run with Tryton's defaults, may reach
    # Tryton once more (it changes nothing there); then the two sides agree
    assert sum(full.values()) == 12 and full.get("applied", 0) <= 1
    assert {entity for entity, _, _ in syncing.applied} <= {"items"}
    assert syncing.sync() == {"skipped": 12}
    assert syncing.tryton_names("party.party", parties) == renamed
    assert syncing.tryton_names("product.template", []) == items
    assert syncing.connec_names("organizations") == renamed
    assert syncing.connec_names("items") == items
