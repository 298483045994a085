"""`connec-sync sandbox connec|partner` serve as processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import requests

from sandboxes.testing import wait_until
from tests.processes import stop


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def run_sandbox(tmp_path, spawn):
    processes = []

    def run(*args: str) -> str:
        port = free_port()
        config = tmp_path / "settings.toml"
        config.write_text(
            '[connec.tenants.default]\napi_id = "cli-id"\napi_key = "cli-key"\n'
            '[partner]\napi_token = "cli-token"\n'
        )
        env = {**os.environ, "CONNEC_SYNC_CONFIG": str(config)}
        command = [sys.executable, "-m", "commands", "sandbox", *args, "--port", str(port)]
        processes.append(spawn(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        url = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: _answers(url), timeout_s=10), processes[-1].stderr
        return url

    yield run
    for process in processes:  # a sandbox stops gracefully on SIGTERM, within 10 s
        assert stop(process, grace_s=10) == 0


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/_sandbox/faults", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def test_the_connec_sandbox_runs_from_the_cli_with_the_tenants_of_the_settings(run_sandbox):
    url = run_sandbox("connec", "--group", "cld-cli:default")
    answer = requests.get(f"{url}/api/v2/cld-cli/people", auth=("cli-id", "cli-key"), timeout=5)
    assert answer.status_code == 200 and answer.json()["people"] == []


def test_the_partner_sandbox_runs_from_the_cli_with_the_token_of_the_settings(run_sandbox):
    url = run_sandbox("partner", "--account", "acct-cli")
    headers = {"Authorization": "Bearer cli-token"}
    answer = requests.post(
        f"{url}/v1/accounts/acct-cli/companies", json={"name": "Doe"}, headers=headers, timeout=5
    )
    assert answer.status_code == 201
