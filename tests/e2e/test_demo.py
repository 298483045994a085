"""`make run`'s command: the all-in-one demo syncs records both ways with no services."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.processes import Spawn, stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_demo_syncs_records_both_ways_within_a_minute(tmp_path: Path, spawn: Spawn) -> None:
    ports = [free_port() for _ in range(3)]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONNEC_SYNC_")}
    command = [sys.executable, "-m", "commands", "run", "--for", "40"]
    command += ["--receiver-port", str(ports[0]), "--connec-port", str(ports[1])]
    command += ["--partner-port", str(ports[2])]
    log = (tmp_path / "demo.log").open("w")
    demo = spawn(command, cwd=tmp_path, env=environ, stdout=log, stderr=subprocess.STDOUT)
    try:
        status_page = f"http://127.0.0.1:{ports[0]}/status"
        applied = wait_for_both_directions(tmp_path / "demo.log", deadline_s=60)
        page = requests.get(status_page, timeout=5)
        assert page.status_code == 200 and "organizations" in page.text
    finally:
        assert stop(demo, grace_s=10) == 0, "the demo did not stop within 10 s of SIGTERM"
        log.close()
    assert applied == {"to-app", "to-connec"}
    text = (tmp_path / "demo.log").read_text()
    assert "broker_in_memory" in text and status_page in text
    assert '"level": "error"' not in text


def wait_for_both_directions(log_path: Path, deadline_s: float) -> set[str]:
    """The directions of `record_applied` log lines seen before the deadline."""
    directions: set[str] = set()
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and len(directions) < 2:
        time.sleep(1)
        for line in log_path.read_text().splitlines():
            if '"record_applied"' in line:
                directions.add(json.loads(line)["direction"])
    return directions
