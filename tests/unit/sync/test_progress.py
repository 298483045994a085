"""A sync run's progress: a bar redrawn in place on a terminal, log lines otherwise; the rate
and the time left from the applied counts."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import structlog

from producers.sync.progress import (
    LogProgress,
    Tally,
    TerminalProgress,
    clock_time,
    progress_for,
)

pytestmark = pytest.mark.timeout(10)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_progress_goes_to_the_logs() -> None:
    assert isinstance(progress_for(io.StringIO()), LogProgress)


def test_on_a_terminal_the_bar_shows_read_published_applied_rate_and_eta_on_one_line() -> None:
    stream, clock = Terminal(), Clock()
    progress = progress_for(stream)
    assert isinstance(progress, TerminalProgress)
    progress.clock = clock

    progress.started("cld-1", 4)
    progress.step(2, "people", "to-app")
    progress.read(400)
    progress.published(400)
    progress.applied(100)
    clock.now += 2
    progress.applied(200)
    progress.finished("succeeded")

    frames = stream.getvalue().split("\r\x1b[K")
    assert frames[-1] == (
        "cld-1 [##########----------] 4/4 succeeded | read 400 published 400 applied 200 "
        "| 50/s ETA 0:04\n"
    )
    assert any(f.startswith("cld-1 [--------------------] 2/4 people to-app") for f in frames)


def test_a_terminal_is_redrawn_at_most_every_fifth_of_a_second_between_steps() -> None:
    stream, clock = Terminal(), Clock()
    progress = TerminalProgress(stream, clock)
    progress.started("cld-1", 1)
    for _ in range(50):
        progress.published(1)
    clock.now += 0.25
    progress.published(1)

    assert stream.getvalue().count("\r\x1b[K") == 2


def test_the_rate_is_over_the_last_ten_seconds_and_the_eta_is_what_was_read_not_yet_applied() -> (
    None
):
    clock = Clock()
    tally = Tally(read=1000, clock=clock)
    assert tally.eta_s() is None  # no rate yet
    for applied in (0, 100, 200, 300, 400, 500):
        tally.applied_now(applied)
        clock.now += 5
    # the window keeps the counts of the last ten seconds: 300 at 115 s to 500 at 125 s
    assert tally.rate() == pytest.approx(20.0)
    assert tally.eta_s() == pytest.approx(25.0)
    tally.applied_now(1000)
    assert tally.eta_s() == 0.0


def test_off_a_terminal_a_progress_line_is_logged_every_five_seconds_and_at_the_end(
    capsys: Any,
) -> None:
    structlog.configure(processors=[structlog.processors.JSONRenderer()])
    clock = Clock()
    progress = LogProgress(clock)
    try:
        progress.started("cld-1", 2)
        progress.read(100)
        clock.now += 5
        progress.published(100)
        progress.published(1)  # within five seconds of the last line
        progress.finished("succeeded")
    finally:
        structlog.reset_defaults()

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["event"] for line in lines] == ["sync_progress"] * 3
    assert (lines[1]["read"], lines[1]["published"]) == (100, 100)
    assert lines[-1] | {"eta_s": None} == {
        "event": "sync_progress",
        "group_id": "cld-1",
        "step": "2/2",
        "current": "succeeded",
        "read": 100,
        "published": 101,
        "applied": 0,
        "applied_per_s": 0.0,
        "eta_s": None,
    }


def test_time_left_reads_as_a_clock() -> None:
    assert [clock_time(s) for s in (None, 0, 65, 3723)] == ["?", "0:00", "1:05", "1:02:03"]
