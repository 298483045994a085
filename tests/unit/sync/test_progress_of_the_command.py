"""`connec-sync sync` as a process: on a terminal (a pty on stderr) it draws its progress bar,
redrawn in place; off one it writes `sync_progress` JSON log lines instead, and no bar."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from sandboxes.testing import GROUP_ID
from tests import processes

pytestmark = pytest.mark.timeout(60)
SYNC = [sys.executable, "-m", "commands", "sync", "--group", GROUP_ID]


@pytest.fixture
def env(command_env: dict[str, str]) -> dict[str, str]:
    """The command's environment (conftest `command_env`) beside this one's, minus settings."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CONNEC_SYNC_")}
    return inherited | command_env


def read_terminal(fd: int, process: object, timeout_s: float) -> str:
    """Everything the process wrote to the pty until it exited."""
    chunks, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:  # type: ignore[attr-defined]
            break
    return b"".join(chunks).decode()


def test_on_a_terminal_the_sync_draws_its_progress_bar_in_place(env, spawn) -> None:  # type: ignore[no-untyped-def]
    main, terminal = pty.openpty()
    process = spawn(SYNC, env=env, stderr=terminal, stdout=subprocess.DEVNULL)
    os.close(terminal)
    try:
        shown = read_terminal(main, process, 45)
    finally:
        os.close(main)
    assert process.wait(15) == 0

    frames = shown.split("\r\x1b[K")
    assert len(frames) > 3
    last = frames[-1].strip()
    assert last.startswith(f"{GROUP_ID} [")
    assert "2/2 succeeded | read 14 published 14 applied 0 |" in last
    assert any("people to-connec | read " in frame for frame in frames)


def test_off_a_terminal_the_sync_logs_progress_lines_and_draws_no_bar(env) -> None:  # type: ignore[no-untyped-def]
    done = processes.run(SYNC, 45, env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert "\x1b[K" not in done.stderr + done.stdout
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    shown = [line for line in lines if line["event"] == "sync_progress"]
    assert shown[-1]["current"] == "succeeded"
    assert (shown[-1]["read"], shown[-1]["published"]) == (14, 14)
    assert {line["step"] for line in shown} >= {"0/2", "1/2", "2/2"}
