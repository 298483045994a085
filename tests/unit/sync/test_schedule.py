"""`--every`: durations, jitter bounds, rounds until stopped (signals: test_stopping.py)."""

from __future__ import annotations

import threading

import pytest

from producers.sync.schedule import jittered, parse_duration, run_every

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2d", 172800), (" 1.5M ", 90)],
)
def test_durations_are_read_in_seconds_minutes_hours_and_days(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "m", "15x", "1h 30m", "0s", "-5m", "15m!"])
def test_anything_else_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_jitter_stays_within_the_share_either_side_of_the_interval() -> None:
    assert jittered(600, 0.1, rand=lambda: 0.0) == pytest.approx(540)
    assert jittered(600, 0.1, rand=lambda: 0.999999) == pytest.approx(660, abs=0.01)
    assert jittered(600, 0.0, rand=lambda: 0.3) == 600
    assert all(540 <= jittered(600, 0.1) <= 660 for _ in range(1000))


def test_rounds_repeat_until_stopped_and_the_last_status_is_returned() -> None:
    stop, statuses = threading.Event(), iter([0, 1, 5])

    def round_of_syncs() -> int:
        status = next(statuses)
        if status == 5:
            stop.set()
        return status

    assert run_every(0.01, 0.5, round_of_syncs, stop) == 5


def test_a_stop_during_the_pause_ends_the_loop_at_once() -> None:
    stop = threading.Event()
    rounds: list[int] = []
    threading.Timer(0.1, stop.set).start()

    assert run_every(3600, 0.1, lambda: rounds.append(1) or 0, stop) == 0
    assert rounds == [1]
