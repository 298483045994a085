"""The hot paths' shortcuts to structlog and prometheus-client: a logger bound once per
configuration and standard output, and metric children made once."""

from __future__ import annotations

import io
import json
import sys

import pytest
from prometheus_client import CollectorRegistry, Counter

from connec_sync import logs
from connec_sync.metric_children import Children


@pytest.fixture
def configured():  # type: ignore[no-untyped-def]
    yield
    logs.configure("info")


def test_a_cached_logger_follows_the_configuration_and_standard_output(
    monkeypatch: pytest.MonkeyPatch, configured: None
) -> None:
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    logs.configure("info", json_lines=True)
    logs.cached_logger("t").info("one", n=1)
    assert logs.cached_logger("t") is logs.cached_logger("t")
    monkeypatch.setattr(sys, "stdout", second)
    logs.cached_logger("t").info("two")
    logs.configure("warning", json_lines=True)
    logs.cached_logger("t").info("hidden")
    logs.cached_logger("t").warning("three")
    assert [json.loads(line)["event"] for line in first.getvalue().splitlines()] == ["one"]
    assert [json.loads(line)["event"] for line in second.getvalue().splitlines()] == [
        "two",
        "three",
    ]


def test_a_cached_logger_carries_the_bound_context(
    monkeypatch: pytest.MonkeyPatch, configured: None
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    logs.configure("info", json_lines=True)
    with logs.bound(message_id="m-1"):
        logs.cached_logger("t").info("inside")
    logs.cached_logger("t").info("outside")
    inside, outside = (json.loads(line) for line in out.getvalue().splitlines())
    assert inside["message_id"] == "m-1" and "message_id" not in outside


def test_children_are_made_once_per_label_values_and_count_in_their_metric() -> None:
    registry = CollectorRegistry()
    counter = Counter("things_total", "Things", ["kind"], registry=registry)
    children = Children()
    assert children(counter, "a") is children(counter, "a")
    children(counter, "a").inc()
    children(counter, "b").inc(2)
    assert registry.get_sample_value("things_total", {"kind": "a"}) == 1
    assert registry.get_sample_value("things_total", {"kind": "b"}) == 2
