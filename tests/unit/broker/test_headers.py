"""Retry and dead-letter headers, and telling dead letters apart."""

from __future__ import annotations

import pytest

from connec_sync.broker.headers import (
    MAX_ERROR_BYTES,
    is_delivery_limit,
    reason_of,
    retry_headers,
    truncate,
)

pytestmark = pytest.mark.timeout(10)


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
