"""The hot paths' shortcuts to structlog and prometheus-client: a logger bound once per
configuration and standard output, and metric children made once."""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Callable

import pytest
from prometheus_client import CollectorRegistry, Counter

from connec_sync import logs
from connec_sync.metric_children import Children


@pytest.fixture
def configured():  # type: ignore[no-untyped-def]
    yield
    logs.configure("info")


@pytest.fixture
def lines(capsys: pytest.CaptureFixture[str], configured: None) -> Callable[[], list[dict]]:
    """JSON lines at info level to the test's captured standard output; call it for the
    lines so far."""
    logs.configure("info", json_lines=True)
    return lambda: [json.loads(line) for line in capsys.readouterr().out.splitlines()]


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


def test_a_cached_logger_carries_the_bound_context(lines: Callable[[], list[dict]]) -> None:
    with logs.bound(message_id="m-1"):
        logs.cached_logger("t").info("inside")
    logs.cached_logger("t").info("outside")
    inside, outside = lines()
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


def test_bound_blocks_nest_and_each_restores_what_was_bound_before(
    lines: Callable[[], list[dict]],
) -> None:
    log = logs.cached_logger("t")
    with logs.bound(message_id="m-1", entity="people"):
        with logs.bound(entity="items", attempts=2):
            log.info("inner", attempts=3)  # the line's own value wins
        log.info("outer")
    logs.bind(run="r-1")
    log.info("bound")
    logs.clear()
    log.info("cleared")
    inner, outer, bound, cleared = lines()
    assert (inner["message_id"], inner["entity"], inner["attempts"]) == ("m-1", "items", 3)
    assert (outer["entity"], "attempts" in outer) == ("people", False)
    assert bound["run"] == "r-1" and "message_id" not in bound
    assert "run" not in cleared


def test_what_one_thread_binds_is_not_in_another_threads_lines(
    lines: Callable[[], list[dict]],
) -> None:
    inside, go_on = threading.Event(), threading.Event()

    def other() -> None:
        with logs.bound(message_id="other"):
            inside.set()
            go_on.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    logs.cached_logger("t").info("here")
    go_on.set()
    thread.join(5)
    (here,) = lines()
    assert here["event"] == "here" and "message_id" not in here
