"""`connec-sync receiver` as operators run it: gunicorn workers, real broker, graceful SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from connec_sync.broker.setup import queue_specs
from connec_sync.settings import BrokerSettings
from mappers.registry import COLLECTIONS
from tests.integration.receiver.conftest import take_all
from tests.private_broker import free_port, wait_until
from tests.processes import Spawn
from tests.unit.receiver.support import API_ID, API_KEY, SECRET_NEW, basic, fixture

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]
NOTIFY = "/maestrano/connec/notifications/default"

CONFIG = """
[broker]
url = "{url}"
namespace = "{namespace}"
retry_delays_s = [1, 2]
[store]
url = "sqlite:///{store}"
[receiver]
port = {port}
operator_port = {operator_port}
workers = 2
[connec.tenants.default]
api_id = "{api_id}"
api_key = "{api_key}"
[partner]
webhook_secrets = ["{secret}"]
[[organizations]]
tenant = "default"
group_id = "cld-9ax2"
account = "acct-2243"
entities = {{organizations = "both", people = "both"}}
"""


@pytest.fixture
def receiver_process(
    broker_settings: BrokerSettings, tmp_path: Path, spawn: Spawn
) -> Iterator[tuple[subprocess.Popen, str, str]]:
    port, operator_port = free_port(), free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        CONFIG.format(
            url=broker_settings.url,
            namespace=broker_settings.namespace,
            store=tmp_path / "store.db",
            port=port,
            operator_port=operator_port,
            api_id=API_ID,
            api_key=API_KEY,
            secret=SECRET_NEW,
        )
    )
    command = [sys.executable, "-m", "commands", "--config", str(config), "receiver"]
    environ = {**os.environ, "TMPDIR": str(tmp_path)}  # its metrics directory goes there
    process = spawn(command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    assert wait_until(lambda: _ready(url), timeout=30), "the receiver did not become ready"
    # the spawn fixture stops it (and its workers) whatever happened
    yield process, url, f"http://127.0.0.1:{operator_port}"


def _ready(url: str) -> bool:
    try:
        return requests.get(url + "/readyz", timeout=1).status_code == 200
    except (requests.ConnectionError, requests.Timeout):  # Timeout: waiting for a worker that
        return False  # is still importing its modules (after the fork: commands/receiver_server.py)


def test_the_receiver_process_publishes_notifications_and_stops_gracefully_mid_request(
    receiver_process: tuple[subprocess.Popen, str, str], broker_settings: BrokerSettings
) -> None:
    process, url, operator_url = receiver_process
    answer = requests.post(
        url + NOTIFY,
        json=fixture("connec_webhook__mixed_batch.json"),
        headers={"Authorization": basic()},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json() == {"published": 2, "ignored": 2}
    metrics = requests.get(operator_url + "/metrics", timeout=5).text
    assert "receiver_records_published_total" in metrics
    for path in ("/metrics", "/status", "/status.json", "/openapi.yaml"):
        assert requests.get(url + path, timeout=5).status_code == 404, path
    assert requests.get(operator_url + "/status.json", timeout=30).status_code == 200

    body = json.dumps({"people": [{"id": "late", "group_id": "cld-9ax2"}]}).encode()
    head, tail = body[: len(body) // 2], body[len(body) // 2 :]
    in_flight = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=15)
    in_flight.sendall(_request_head(len(body)) + head)
    time.sleep(0.3)  # the worker is now reading this request's body
    stopping_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    in_flight.sendall(tail)
    response = in_flight.recv(65536).decode()
    in_flight.close()
    process.wait(timeout=10)

    assert response.startswith("HTTP/1.1 200"), response
    assert time.monotonic() - stopping_at < 10
    contents = {
        spec.name: take_all(broker_settings, spec.name)
        for spec in queue_specs(broker_settings, COLLECTIONS)
    }
    people = contents[f"{broker_settings.namespace}.people.to-app"]
    assert "late" in [message["record"]["id"] for message in people]
    assert sum(len(messages) for messages in contents.values()) == 3


def test_a_worker_that_exits_leaves_the_shared_metrics_to_the_others(
    receiver_process: tuple[subprocess.Popen, str, str], tmp_path: Path
) -> None:
    """gunicorn's workers leave through the command's code on SystemExit: only the master may
    remove the metrics directory they all write to (a worker used to remove it)."""
    process, url, operator_url = receiver_process
    answer = requests.post(
        url + NOTIFY,
        json=fixture("connec_webhook__mixed_batch.json"),
        headers={"Authorization": basic()},
        timeout=10,
    )
    assert answer.status_code == 200
    first, *_ = _workers(process.pid)
    os.kill(first, signal.SIGTERM)  # a graceful worker exit; the master starts another
    assert wait_until(lambda: first not in _workers(process.pid) and _workers(process.pid), 30)
    assert list(tmp_path.glob("connec-sync-metrics-*"))
    metrics = requests.get(operator_url + "/metrics", timeout=5)
    assert metrics.status_code == 200
    assert "receiver_records_published_total" in metrics.text
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert not list(tmp_path.glob("connec-sync-metrics-*"))  # the master cleaned up


def test_a_second_sigterm_ends_the_receivers_graceful_stop_at_once(
    receiver_process: tuple[subprocess.Popen, str, str],
) -> None:
    """A request held half-sent keeps the graceful stop waiting (up to 8 s); a second SIGTERM
    turns it into gunicorn's quick shutdown."""
    process, url, _ = receiver_process
    body = json.dumps({"people": [{"id": "held", "group_id": "cld-9ax2"}]}).encode()
    held = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=15)
    held.sendall(_request_head(len(body)) + body[:5])
    time.sleep(0.3)  # a worker is reading this request's body
    process.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    assert process.poll() is None  # still finishing the held request gracefully
    again = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    held.close()
    assert time.monotonic() - again < 4


def _workers(master: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master and fields[0] != "Z":
            children.append(int(stat.parent.name))
    return sorted(children)


def _request_head(length: int) -> bytes:
    lines = [
        f"POST {NOTIFY} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: {basic()}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
