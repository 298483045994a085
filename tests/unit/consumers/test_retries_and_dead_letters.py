"""Choosing a delay tier, retry and dead-letter headers, and telling dead letters apart."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.dead_letters import MAX_ERROR_BYTES, is_delivery_limit, reason_of, truncate
from consumers.retries import (
    InProcessDelays,
    Publication,
    choose_delay,
    retry_headers,
)

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


def test_a_retried_message_keeps_its_first_failure_time():
    first = retry_headers({}, "transient_error", "503", "2026-01-01T00:00:00Z")
    later = retry_headers(first, "transient_error", "503", "2026-01-01T00:05:00Z")
    assert later["x-first-failure"] == "2026-01-01T00:00:00Z"
    assert "x-reason" not in later


def test_long_errors_are_truncated_to_a_few_kilobytes():
    assert truncate("short") == "short"
    cut = truncate("é" * 10_000)
    assert len(cut.encode()) <= MAX_ERROR_BYTES
    assert cut.endswith("[truncated]")


def test_a_reader_tells_a_consumer_verdict_from_the_delivery_limit():
    verdict = {"x-reason": "invalid", "x-death": [{"reason": "expired"}]}
    limited = {
        "x-death": [{"reason": "delivery_limit"}, {"reason": "expired"}],
        "x-first-death-reason": "expired",
    }
    assert (reason_of(verdict), is_delivery_limit(verdict)) == ("invalid", False)
    assert (reason_of(limited), is_delivery_limit(limited)) == ("delivery_limit", True)
    assert reason_of({}) == "unknown"


def test_in_process_delays_release_publications_when_due_in_order():
    delays = InProcessDelays()
    later, sooner = (Publication("x", key, b"", {}, None) for key in ("later", "sooner"))
    delays.schedule(20.0, later)
    delays.schedule(10.0, sooner)
    assert delays.seconds_until_next(5.0) == 5.0
    assert delays.pop_due(9.0) == []
    assert delays.pop_due(25.0) == [sooner, later]
    assert delays.seconds_until_next(25.0) is None
