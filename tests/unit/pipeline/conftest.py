"""Pipeline handlers called directly against in-process sandboxes and a SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connec_sync.store import Store
from tests.system import Direct, Sides, sides


@pytest.fixture
def both(sqlite_store_url: str) -> Iterator[Sides]:
    with sides(sqlite_store_url) as running:
        yield running


@pytest.fixture
def direct(both: Sides) -> Direct:
    return Direct(both)


@pytest.fixture
def store(sqlite_store_url: str) -> Iterator[Store]:
    opened = Store.open(sqlite_store_url)
    yield opened
    opened.close()
