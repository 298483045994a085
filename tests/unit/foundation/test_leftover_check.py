"""The session check of tests/conftest.py: a process a test started, or one of its children,
still alive at the end is found (and the run fails); so is a private node left running."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests import processes, resources
from tests.private_broker import free_port

pytestmark = pytest.mark.timeout(60)

#: a child that starts a grandchild of its own; the grandchild prints its pid once it runs (a
#: process between fork and exec may show no environment yet: it would not be found)
PARENT = (
    "import subprocess, sys, time\n"
    "grandchild = 'import os, time; print(os.getpid(), flush=True); time.sleep(120)'\n"
    "subprocess.Popen([sys.executable, '-c', grandchild])\n"
    "time.sleep(120)\n"
)


def test_a_live_process_started_by_a_test_and_its_children_are_found_until_stopped() -> None:
    parent = processes.spawn([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    grandchild = int(parent.stdout.readline())
    try:
        found = {int(line.split()[0]) for line in processes.leftover_processes()}
        assert {parent.pid, grandchild} <= found
    finally:
        assert processes.stop(parent, grace_s=5) == -15  # the group, grandchild included
    found = {int(line.split()[0]) for line in processes.leftover_processes()}
    assert not {parent.pid, grandchild} & found


def test_a_private_broker_node_still_running_is_a_leftover() -> None:
    name = f"t{uuid.uuid4().hex[:8]}@localhost"
    resources.made(resources.NODE, name)
    env = {**os.environ, "RABBITMQ_NODENAME": name}
    node = processes.spawn([sys.executable, "-c", "import time; time.sleep(120)"], env=env)
    try:
        assert f"{resources.NODE} {name}" in resources.leftover_resources()
    finally:
        processes.stop(node, grace_s=5)
    assert f"{resources.NODE} {name}" not in resources.leftover_resources()


def test_namespaces_on_a_broker_that_does_not_answer_are_reported_not_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(resources, "_made", {resources.NAMESPACE: {"t-gone-1", "t-gone-2"}})
    monkeypatch.setattr(resources, "_urls", {})
    resources.made(resources.NAMESPACE, "t-gone-3", f"amqp://guest:guest@127.0.0.1:{free_port()}")
    left = resources._namespaces_left()
    assert [line.split()[0] for line in left] == ["t-gone-1", "t-gone-2", "t-gone-3"]
    assert all("not checked: cannot reach the broker" in line for line in left)
