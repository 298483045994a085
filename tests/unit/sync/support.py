"""A sync world for tests: both sandboxes on loopback (with clocks tests move), a store with the
test organization linked, the two clients, and a publisher that records what it was given."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connec_sync.broker import Message, Publisher, PublishFailed
from connec_sync.clients.connec import ConnecClient
from connec_sync.clients.http import RateGate
from connec_sync.naming import Names
from connec_sync.settings import SyncSettings, TenantSettings
from connec_sync.store import Store
from producers.sync.reader import Sources
from producers.sync.run import Runner
from providers.demoapp.client import PartnerClient
from sandboxes import testing
from sandboxes.testing import ACCOUNT, GROUP_ID, TENANT, FakeClock
from tests.services import TEST_ENTITIES

#: every entity both ways, unless a test says otherwise
BOTH_WAYS = {e: "both" for e in TEST_ENTITIES}


@dataclass
class RecordingPublisher:
    """Keeps every batch (decoded envelopes with their routing keys); passes them on to `inner`
    if given; raises PublishFailed from batch number `fail_at` (1-based) on."""

    inner: Publisher | None = None
    fail_at: int | None = None
    batches: list[list[tuple[str, dict[str, Any]]]] = field(default_factory=list)

    def start(self) -> None:
        pass

    def publish_batch(self, messages: list[Message]) -> None:
        if self.fail_at is not None and len(self.batches) + 1 >= self.fail_at:
            raise PublishFailed("nacked", "the test says so")
        if self.inner is not None:
            self.inner.publish_batch(messages)
        self.batches.append([(m.routing_key, json.loads(m.body)) for m in messages])

    def is_ready(self) -> bool:
        return True

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        return [envelope for batch in self.batches for _, envelope in batch]

    @property
    def steps(self) -> list[tuple[str, str]]:
        """(entity, direction) in publish order, each once."""
        seen: list[tuple[str, str]] = []
        for envelope in self.envelopes:
            step = (envelope["entity"], envelope["direction"])
            if step not in seen:
                seen.append(step)
        return seen


@dataclass
class SyncWorld:
    connec: Any
    partner: Any
    store: Store
    organization: Any
    clock: FakeClock
    publisher: RecordingPublisher
    runner: Runner

    def seed_partner(self, resource: str, count: int, **fields: Any) -> list[dict[str, Any]]:
        rows = [{"name": f"{resource} {i}", "first_name": f"P{i}", **fields} for i in range(count)]
        return self.partner.state.seed(ACCOUNT, resource, rows)

    def seed_connec(self, collection: str, count: int, **fields: Any) -> list[dict[str, Any]]:
        stamp = fields.pop("updated_at", iso(self.clock.now))
        rows = [
            {"name": f"{collection} {i}", "first_name": f"C{i}", "updated_at": stamp, **fields}
            for i in range(count)
        ]
        return self.connec.state.seed(GROUP_ID, collection, rows)

    def later(self, seconds: float = 5) -> None:
        """Move both sandboxes' clock to real now plus `seconds` (after a run started)."""
        self.clock.now = datetime.now(UTC) + timedelta(seconds=seconds)

    def stop(self) -> None:
        self.runner.stop.set()
        for handle in (self.connec, self.partner):
            handle.stop()
        self.store.close()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def start_world(
    store_url: str,
    names: Names,
    *,
    publisher: RecordingPublisher | None = None,
    entities: dict[str, str] | None = None,
    **sync: Any,
) -> SyncWorld:
    """Sandboxes whose clock starts an hour ago, the organization linked, page size 5."""
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    connec, partner = testing.start_connec(clock=clock), testing.start_partner(clock=clock)
    store = Store.open(store_url)
    organization = store.organizations.upsert(
        tenant=TENANT, group_id=GROUP_ID, account=ACCOUNT, entities=entities or BOTH_WAYS
    )
    gate = RateGate(max_wait_s=5)
    credentials = TenantSettings(testing.API_ID, testing.API_KEY)
    sources = Sources(
        ConnecClient(connec.url, credentials, 5, gate),
        PartnerClient(partner.url, testing.API_TOKEN, 5, gate),
        page_size=5,
    )
    publisher = publisher or RecordingPublisher()
    settings = SyncSettings(**{"safety_margin_s": 60, **sync})
    runner = Runner(store, publisher, lambda _org: sources, names, settings, threading.Event())
    return SyncWorld(connec, partner, store, organization, clock, publisher, runner)
