"""A consumer process's start-up objects are frozen out of the garbage collector's reach, after
one collection of the start-up's garbage."""

from __future__ import annotations

import gc
import weakref

import pytest

from consumers.runtime.collecting import freeze_start_up_objects

pytestmark = pytest.mark.timeout(30)


class _Part:
    """Something made at start-up."""

    other: _Part | None = None


def test_the_start_ups_garbage_is_collected_and_what_lives_on_is_frozen():
    garbage = _Part()
    garbage.other = garbage  # a cycle: only the collector frees it
    collected = weakref.ref(garbage)
    del garbage
    kept = _Part()
    assert any(thing is kept for thing in gc.get_objects())
    try:
        frozen = freeze_start_up_objects()
        assert collected() is None
        assert frozen == gc.get_freeze_count() > 0
        assert not any(thing is kept for thing in gc.get_objects())  # out of every generation
    finally:
        gc.unfreeze()
