"""The harness that runs a real trytond: it answers, and it leaves no process or folder behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from providers.tryton import server, template

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_stopped_server_leaves_no_process_and_no_folder(tryton):
    started = server.TrytonServer(databases=("first", "second"))
    with started:
        assert started.process is not None
        pid, folder = started.process.pid, started.folder
        databases = sorted(p.name for p in (folder / "db").glob("*.sqlite"))
        assert databases == ["first.sqlite", "second.sqlite"]
    assert not alive(pid)
    assert not folder.exists()


def test_a_failing_block_still_stops_the_server(tryton):
    started = server.TrytonServer()
    with pytest.raises(RuntimeError, match="a test failed"), started:
        pid, folder = started.process.pid, started.folder
        raise RuntimeError("a test failed")
    assert started.process is None and not folder.exists()
    assert not alive(pid)


def test_a_server_that_cannot_listen_fails_with_its_log_and_is_cleaned_up(tryton, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(server, "_free_port", lambda: taken.getsockname()[1])
        started = server.TrytonServer()
        with pytest.raises(template.TrytonUnavailable, match="trytond exited"):
            started.start()
    assert started.process is None and started.folder is None


def test_a_server_ends_when_the_process_that_started_it_is_killed(tryton, tmp_path, spawn):
    script = (
        "from providers.tryton.server import TrytonServer\n"
        "import time\n"
        "server = TrytonServer().start()\n"
        "print(server.process.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # its server's folder: in tmp_path
    parent = spawn([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert alive(pid)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_the_template_key_follows_the_currency_and_the_installed_versions(tryton):
    assert template.template_key("USD") != template.template_key("EUR")
    assert template.template_key("USD") == template.template_key("USD")
