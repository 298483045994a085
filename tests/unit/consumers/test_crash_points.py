"""Crash points: CONNEC_SYNC_CRASH_POINT=<name>:<n>, read once at start, ends the process at the
n-th pass."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from connec_sync import crash
from tests import processes

pytestmark = pytest.mark.timeout(30)

PASSES = """
from connec_sync.crash import FaultPoints
faults = FaultPoints.from_environ()
for n in range(5):
    print(n, flush=True)
    faults.point("after_write_before_ack")
"""


def _run(spec: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != crash.ENV}
    if spec is not None:
        env[crash.ENV] = spec
    return processes.run(
        [sys.executable, "-c", PASSES], 20, env=env, capture_output=True, text=True
    )


def test_the_process_exits_with_70_at_the_nth_pass_of_the_named_point():
    done = _run("after_write_before_ack:3")
    assert done.returncode == crash.CRASH_EXIT == 70
    assert done.stdout.split()[:3] == ["0", "1", "2"]
    assert "crash_point_reached" in done.stdout


def test_other_points_and_no_setting_change_nothing():
    assert _run("before_write:1").returncode == 0
    assert _run(None).returncode == 0


def test_a_point_without_a_count_crashes_at_the_first_pass():
    done = _run("after_write_before_ack")
    assert (done.returncode, done.stdout.split()[0]) == (70, "0")


def test_in_process_passes_are_counted_for_the_named_point_only():
    faults = crash.FaultPoints.from_environ({crash.ENV: "somewhere:1000"})
    assert faults.crash_at == ("somewhere", 1000)
    for _ in range(3):
        faults.point("somewhere")
        faults.point("elsewhere")
    assert faults._passes == 3


def test_the_environment_is_read_once_when_the_fault_points_are_made(monkeypatch):
    faults = crash.FaultPoints.from_environ()
    monkeypatch.setenv(crash.ENV, "somewhere:1")
    faults.point("somewhere")  # still configured as it was at start: no crash point
    assert faults.crash_at is None
