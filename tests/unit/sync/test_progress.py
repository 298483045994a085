"""The progress bar is drawn only on a terminal."""

from __future__ import annotations

import io

import pytest

from producers.sync.progress import NoProgress, TerminalProgress, progress_for

pytestmark = pytest.mark.timeout(10)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_there_is_no_bar() -> None:
    assert isinstance(progress_for(io.StringIO()), NoProgress)


def test_on_a_terminal_the_bar_shows_steps_entity_and_records_on_one_line() -> None:
    stream = Terminal()
    progress = progress_for(stream)
    assert isinstance(progress, TerminalProgress)

    progress.started("cld-1", 4)
    progress.step(2, "people", "to-app")
    progress.advanced(250)
    progress.finished("succeeded")

    frames = stream.getvalue().split("\r\x1b[K")
    assert "cld-1 [##########----------] 2/4 people to-app 250 records" in frames
    assert frames[-1] == "cld-1 [####################] 4/4 succeeded 250 records\n"
