"""Choosing a delay tier."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.runtime.retries import choose_delay

pytestmark = pytest.mark.timeout(30)

TIERS = (5, 30, 120, 600)


def test_the_delay_grows_exponentially_through_the_tiers():
    rng = random.Random(1)
    delays = [choose_delay(attempts, TIERS, rng=rng) for attempts in range(8)]
    assert delays[0] == 5
    assert delays == sorted(delays)
    assert delays[-1] == 600


def test_retry_after_picks_a_tier_at_least_that_long():
    assert choose_delay(0, TIERS, retry_after=6) == 30
    assert choose_delay(0, TIERS, retry_after=5) == 5
    assert choose_delay(0, TIERS, retry_after=5000) == 600


@given(
    attempts=st.integers(0, 100),
    retry_after=st.none() | st.floats(0, 10_000),
    seed=st.integers(0, 2**32),
)
def test_the_delay_is_always_a_tier_and_never_shorter_than_retry_after_when_a_tier_allows(
    attempts, retry_after, seed
):
    delay = choose_delay(attempts, TIERS, retry_after, random.Random(seed))
    assert delay in TIERS
    assert delay >= min(retry_after or 0, max(TIERS))


def test_jitter_spreads_equal_attempts_over_neighbouring_tiers():
    rng = random.Random(7)
    chosen = {choose_delay(2, (10, 20, 30, 40, 80), rng=rng) for _ in range(200)}
    assert chosen == {30, 40}
