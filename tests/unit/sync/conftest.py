"""Fixtures of the sync unit tests: a world on SQLite with a recording publisher."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connec_sync.naming import Names
from connec_sync.store import Store
from sandboxes import testing
from sandboxes.testing import ACCOUNT, GROUP_ID, TENANT
from tests.unit.sync.support import SyncWorld, start_world


@pytest.fixture
def make_world(tmp_path) -> Iterator[Callable[..., SyncWorld]]:  # type: ignore[no-untyped-def]
    """Factory: a sync world on its own SQLite file; stopped after the test."""
    worlds: list[SyncWorld] = []

    def make(**options: Any) -> SyncWorld:
        url = f"sqlite:///{tmp_path / f'store-{len(worlds)}.db'}"
        world = start_world(url, Names("t-sync"), **options)
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.stop()


@pytest.fixture
def world(make_world: Callable[..., SyncWorld]) -> SyncWorld:
    return make_world()


@pytest.fixture
def command_env(tmp_path) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Settings of `connec-sync sync` by environment: both sandboxes seeded (9 partner contacts,
    5 Connec! people), a memory:// broker of its own namespace, a SQLite store with the test
    organization linked for people both ways."""
    connec, partner = testing.start_connec(), testing.start_partner()
    values = {
        "CONNEC_SYNC_BROKER_URL": "memory://",
        "CONNEC_SYNC_BROKER_NAMESPACE": f"t-{uuid.uuid4().hex[:8]}",
        "CONNEC_SYNC_STORE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "CONNEC_SYNC_CONNEC_BASE_URL": connec.url,
        "CONNEC_SYNC_CONNEC_TENANTS_DEFAULT_API_ID": testing.API_ID,
        "CONNEC_SYNC_CONNEC_TENANTS_DEFAULT_API_KEY": testing.API_KEY,
        "CONNEC_SYNC_PARTNER_BASE_URL": partner.url,
        "CONNEC_SYNC_PARTNER_API_TOKEN": testing.API_TOKEN,
        "CONNEC_SYNC_SYNC_PAGE_SIZE": "4",
    }
    store = Store.open(values["CONNEC_SYNC_STORE_URL"])
    store.organizations.upsert(
        tenant=TENANT, group_id=GROUP_ID, account=ACCOUNT, entities={"people": "both"}
    )
    store.close()
    partner.state.seed(ACCOUNT, "contacts", [{"first_name": f"P{i}"} for i in range(9)])
    connec.state.seed(GROUP_ID, "people", [{"first_name": f"C{i}"} for i in range(5)])
    yield values
    connec.stop()
    partner.stop()
