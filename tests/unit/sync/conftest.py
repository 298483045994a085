"""Fixtures of the sync unit tests: a world on SQLite with a recording publisher."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connec_sync.naming import Names
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
