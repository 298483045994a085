"""connec_sync.subprocesses.run_bounded: a time limit that holds for the command's children too
(a wrapper's `su` or Erlang VM used to outlive `subprocess.run(timeout=...)`)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from connec_sync.subprocesses import run_bounded

pytestmark = pytest.mark.timeout(60)

#: a wrapper whose child holds its output open and outlives it, as Debian's rabbitmqctl does
WRAPPER = 'sleep 60 & echo $! > "$1"; wait'


def test_on_timeout_the_whole_group_is_killed_and_the_call_returns(tmp_path: Path) -> None:
    child = tmp_path / "child.pid"
    began = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_bounded(["sh", "-c", WRAPPER, "sh", str(child)], 1.0, capture_output=True)
    assert time.monotonic() - began < 10
    pid = int(child.read_text())
    assert not _alive(pid)


def test_a_command_within_its_time_gives_its_output_and_status() -> None:
    done = run_bounded(["sh", "-c", "echo out; echo err >&2; exit 3"], 10, capture_output=True)
    assert (done.returncode, done.stdout, done.stderr) == (3, b"out\n", b"err\n")
    with pytest.raises(subprocess.CalledProcessError):
        run_bounded(["false"], 10, check=True)


def _alive(pid: int) -> bool:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            return False
        time.sleep(0.05)
    return True
