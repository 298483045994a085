"""The receiver's store on the driver (connec_sync.store.receiving) against the store itself, on
SQLite and on PostgreSQL: what one writes the other reads the same."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from connec_sync.store import Store
from connec_sync.store.receiving import ReceivingStore, open_receiving


@pytest.fixture
def both(store_url: str) -> Iterator[tuple[Store, Any]]:
    store = Store.open(store_url)
    receiving = open_receiving(store_url)
    yield store, receiving
    receiving.close()
    store.close()


def test_the_store_url_is_read_on_the_driver(both: tuple[Store, Any]) -> None:
    assert isinstance(both[1], ReceivingStore)


def test_organizations_are_found_as_the_store_finds_them(both: tuple[Store, Any]) -> None:
    store, receiving = both
    linked = store.organizations.upsert(
        tenant="default", group_id="cld-1", account="acct-1", entities={"people": "to-app"}
    )
    store.organizations.upsert(
        tenant="default",
        group_id="cld-2",
        account="acct-2",
        entities={"items": "both"},
        enabled=False,
        conflict_winner="connec",
    )
    assert receiving.organizations.by_group("default", "cld-1") == linked
    assert receiving.organizations.by_account("acct-2") == store.organizations.by_account("acct-2")
    assert not receiving.organizations.by_account("acct-2").enabled
    assert receiving.organizations.by_group("other", "cld-1") is None
    assert receiving.organizations.by_account("acct-9") is None


def test_a_delivery_recorded_on_the_driver_is_seen_by_the_store(both: tuple[Store, Any]) -> None:
    store, receiving = both
    assert not receiving.deliveries.seen("wh-1")
    receiving.deliveries.record("wh-1")
    receiving.deliveries.record("wh-1")  # twice is fine
    store.deliveries.record("wh-2")
    assert store.deliveries.seen("wh-1") and receiving.deliveries.seen("wh-2")


def test_old_deliveries_are_forgotten_by_their_time(both: tuple[Store, Any]) -> None:
    store, receiving = both
    store.deliveries.record("wh-old")
    receiving.deliveries.record("wh-new")
    assert receiving.deliveries.forget_older_than(timedelta(hours=1)) == 0
    assert store.deliveries.forget_older_than(timedelta(0)) == 2
    receiving.deliveries.record("wh-again")
    assert receiving.deliveries.forget_older_than(timedelta(0)) == 1
    assert not store.deliveries.seen("wh-again")


def test_a_url_the_driver_does_not_take_plainly_opens_the_store(tmp_path: Any) -> None:
    opened = open_receiving(f"sqlite:///file:{tmp_path / 'store.db'}?uri=true")
    try:
        assert isinstance(opened, Store)
    finally:
        opened.close()


def test_the_receivers_store_imports_no_sqlalchemy(sqlite_store_url: str) -> None:
    Store.open(sqlite_store_url).close()
    code = (
        "import sys\n"
        "from connec_sync.store.receiving import open_receiving\n"
        f"store = open_receiving({sqlite_store_url!r})\n"
        "store.organizations.by_account('acct-1'); store.deliveries.seen('wh-1'); store.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
