"""connec_sync.stopping: a signal only records the stop request (issue 20: a handler that logged
deadlocked on the log lock the main thread held); the stop runs in ordinary code; a second
signal ends the process at once; a stop past its deadline dumps the stacks and exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from connec_sync.stopping import EXIT_STOP_DEADLINE, StopRequest
from tests.processes import wait_for_line

pytestmark = pytest.mark.timeout(60)
Spawn = Callable[..., "subprocess.Popen[str]"]

#: a process that asks for a stop request, says `ready`, then ignores the request (a stuck stop)
STUCK = """
import sys, threading, time
from connec_sync.stopping import StopRequest
with StopRequest.installed(deadline_s=float(sys.argv[1])) as stop:
    print("ready", flush=True)
    stop.wait()
    print("stopping", flush=True)
    threading.Event().wait()  # stuck: the stop never finishes
"""


def test_sigterm_while_the_main_thread_holds_a_lock_still_stops_and_nothing_deadlocks() -> None:
    lock = threading.Lock()  # as structlog's PrintLogger holds one during each write
    ran_on: list[str] = []

    def on_stop() -> None:  # takes the very lock the main thread holds when the signal lands
        with lock:
            ran_on.append(threading.current_thread().name)

    with StopRequest.installed() as stop:
        stop.on_stop(on_stop)
        with lock:
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop.wait(5), "the request was not recorded"
        assert _eventually(lambda: ran_on == ["stop-relay"])
    assert stop.reason == "SIGTERM"


def test_the_previous_handlers_come_back_and_a_late_callback_runs_at_once() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with StopRequest.installed() as stop:
        stop.request()
        called: list[int] = []
        stop.on_stop(lambda: called.append(1))
        assert called == [1] and stop.requested and stop.reason == "request"
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_second_sigterm_while_stopping_ends_the_process_at_once(spawn: Spawn) -> None:
    process = _stuck(spawn, deadline_s=60)
    process.send_signal(signal.SIGTERM)
    wait_for_line(process.stdout, "stopping", timeout_s=10)
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 128 + signal.SIGTERM


def test_a_stop_past_its_deadline_dumps_every_thread_and_exits(spawn: Spawn) -> None:
    process = _stuck(spawn, deadline_s=0.5)
    process.send_signal(signal.SIGINT)
    assert process.wait(15) == EXIT_STOP_DEADLINE
    assert process.stderr is not None
    dump = process.stderr.read()
    assert "stop_deadline_passed" in dump
    assert "Current thread" in dump or "Thread 0x" in dump, dump
    assert "<string>" in dump  # the stuck main thread's frame


#: the `connec-sync` entry point around a command that logs, is stopped, and leaves an object
#: whose finalizer would print at the interpreter's finalization
STOPPED = """
import atexit, sys
import commands
from connec_sync import logs
from connec_sync.stopping import StopRequest

def stopped_command() -> int:
    logs.configure("info")
    atexit.register(lambda: print("finalized", flush=True))
    with StopRequest.installed() as stop:
        print("ready", flush=True)
        stop.wait()
    logs.get_logger("t").info("stopped_cleanly")
    print("buffered, not flushed", end="")
    return int(sys.argv[1])

commands.main = stopped_command
commands.entry()
"""


@pytest.mark.parametrize("status", [0, 1])
def test_a_stopped_command_ends_with_its_status_its_output_flushed_and_no_finalization(
    spawn: Spawn, status: int
) -> None:
    process = spawn(
        [sys.executable, "-c", STOPPED, str(status)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for_line(process.stdout, "ready", timeout_s=30)
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == status
    assert process.stdout is not None
    output = process.stdout.read()
    assert "stopped_cleanly" in output and output.endswith("buffered, not flushed")
    assert "finalized" not in output


def _stuck(spawn: Spawn, deadline_s: float) -> subprocess.Popen[str]:
    process = spawn(
        [sys.executable, "-c", STUCK, str(deadline_s)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_line(process.stdout, "ready", timeout_s=30)
    return process


def _eventually(predicate: Callable[[], Any], timeout_s: float = 5.0) -> bool:
    done = threading.Event()
    for _ in range(int(timeout_s / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return bool(predicate())
