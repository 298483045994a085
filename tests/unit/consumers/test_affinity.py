"""consumers.runtime.affinity: each consumer process takes a CPU no other one holds, pins all its
threads to it, and gives it back when it ends (even by a crash). Each case runs real processes:
the slots are `flock`s, which belong to a process's open files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from consumers.runtime.affinity import in_container, pin_to_free_cpu
from tests.processes import stop, wait_for_line

Spawn = Callable[..., "subprocess.Popen[str]"]
#: a consumer's graceful stop takes under 10 s (docs/architecture.md, guarantee 8)
STOP_WITHIN_S = 10

CPUS = sorted(os.sched_getaffinity(0))
needs_two = pytest.mark.skipif(len(CPUS) < 2, reason="pinning needs at least two CPUs")

#: pins itself (a thread started before the pin included), prints its CPU and every thread's
#: allowed CPUs, then waits for stdin to close
PINNED = """
import os, sys, threading
from pathlib import Path
from consumers.runtime.affinity import in_container, pin_to_free_cpu
early = threading.Thread(target=sys.stdin.read, daemon=True)
early.start()
cpu = pin_to_free_cpu(Path(sys.argv[1]))
tasks = sorted({frozenset(os.sched_getaffinity(int(t))) for t in os.listdir("/proc/self/task")})
print(cpu, [sorted(t) for t in tasks], flush=True)
early.join()
"""


def pinned(directory: Path, spawn: Spawn) -> tuple[subprocess.Popen[str], str]:
    process = spawn(
        [sys.executable, "-c", PINNED, str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def end(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()
    process.wait(10)


@needs_two
def test_each_process_takes_its_own_cpu_and_pins_every_thread(tmp_path: Path, spawn: Spawn) -> None:
    first, seen_first = pinned(tmp_path, spawn)
    second, seen_second = pinned(tmp_path, spawn)
    try:
        assert seen_first == f"{CPUS[0]} [[{CPUS[0]}]]"
        assert seen_second == f"{CPUS[1]} [[{CPUS[1]}]]"
    finally:
        end(first)
        end(second)


@needs_two
def test_a_process_that_ends_frees_its_cpu_even_when_killed(tmp_path: Path, spawn: Spawn) -> None:
    first, _ = pinned(tmp_path, spawn)
    first.kill()
    first.wait(10)
    again, seen = pinned(tmp_path, spawn)
    end(again)
    assert seen.startswith(f"{CPUS[0]} ")


@needs_two
def test_with_every_cpu_taken_a_process_is_left_to_the_scheduler(
    tmp_path: Path, spawn: Spawn
) -> None:
    holders = [pinned(tmp_path, spawn)[0] for _ in CPUS]
    try:
        extra, seen = pinned(tmp_path, spawn)
        end(extra)
    finally:
        for holder in holders:
            end(holder)
    assert seen == f"None [{CPUS}]"


def test_without_a_usable_slot_directory_nothing_is_pinned(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    before = os.sched_getaffinity(0)
    assert pin_to_free_cpu(blocked / "slots") is None
    assert os.sched_getaffinity(0) == before


def test_the_cli_pins_a_consumer_unless_told_not_to(tmp_path: Path, spawn: Spawn) -> None:
    """`connec-sync consume` logs the CPU it took before it subscribes; with
    `broker.pin_cpu = false` it takes none. Each consumer stops on SIGTERM (issue 20: it used
    to deadlock when the signal landed during a log write)."""
    pinned_cpu = _logged_before_subscribing(tmp_path, "true", spawn)
    assert any('"event": "consumer_cpu"' in line for line in pinned_cpu)
    assert f'"cpu": {CPUS[0]}' in "".join(pinned_cpu) or len(CPUS) < 2
    unpinned = _logged_before_subscribing(tmp_path, "false", spawn)
    assert not any("consumer_cpu" in line for line in unpinned)


def _logged_before_subscribing(tmp_path: Path, pin: str, spawn: Spawn) -> list[str]:
    env = {
        **os.environ,
        "CONNEC_SYNC_BROKER_URL": "memory://",
        "CONNEC_SYNC_BROKER_PIN_CPU": pin,
        "CONNEC_SYNC_STORE_URL": f"sqlite:///{tmp_path / f'store-{pin}.db'}",
        "TMPDIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "commands", "consume", "people"]
    process = spawn(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = wait_for_line(process.stdout, "consumer_subscribed", timeout_s=60)
    assert stop(process, grace_s=STOP_WITHIN_S) == 0, "the consumer did not stop on SIGTERM"
    return lines[:-1]


def test_a_kubernetes_pod_or_a_cgroup_cpu_quota_is_taken_for_a_container(tmp_path: Path) -> None:
    cgroup = tmp_path / "sys/fs/cgroup"
    cgroup.mkdir(parents=True)
    assert not in_container(tmp_path, {})
    assert in_container(tmp_path, {"KUBERNETES_SERVICE_HOST": "10.0.0.1"})
    (cgroup / "cpu.max").write_text("max 100000\n")
    assert not in_container(tmp_path, {})
    (cgroup / "cpu.max").write_text("50000 100000\n")
    assert in_container(tmp_path, {})
    (tmp_path / ".dockerenv").write_text("")  # kept by images made into VMs: no sign
    (cgroup / "cpu.max").write_text("max 100000\n")
    assert not in_container(tmp_path, {})


def test_a_container_is_not_pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    before = os.sched_getaffinity(0)
    assert pin_to_free_cpu(tmp_path / "slots") is None
    assert os.sched_getaffinity(0) == before and not (tmp_path / "slots").exists()
