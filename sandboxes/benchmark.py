"""Simple writes per second against a sandbox served by the CLI on one core.

`python -m sandboxes.benchmark [--seconds 5] [--clients 4]`: the sandbox process is pinned to
CPU 0 and the client processes (keep-alive `http.client`, one small POST at a time each) to
the other CPUs, so the figure is what one core of sandbox serves.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time

#: what the CLI uses when the settings name no tenant / token (see connec_sync/cli/sandbox.py)
CONNEC_AUTH = "Basic " + base64.b64encode(b"sandbox-api-id:sandbox-api-key").decode()
PARTNER_AUTH = "Bearer sandbox-token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(kind: str, port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNEC_SYNC_")}
    command = [sys.executable, "-m", "commands", "--log-level", "error", "sandbox", kind]
    command = ["taskset", "-c", "0", *command, "--port", str(port), *extra]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the {kind} sandbox did not start")


def _client(
    kind: str, port: int, seconds: float, index: int, results: multiprocessing.Queue
) -> None:
    cpus = sorted(os.sched_getaffinity(0) - {0}) or [0]
    os.sched_setaffinity(0, {cpus[index % len(cpus)]})
    connection = http.client.HTTPConnection("127.0.0.1", port)
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        path, headers, body = _request(kind, index, done)
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        done += answer.status in (200, 201)
    results.put(done)


def _request(kind: str, index: int, n: int) -> tuple[str, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    if kind == "connec":
        headers.update({"Authorization": CONNEC_AUTH, "CONNEC-EXTERNAL-IDS": "true"})
        app_id = {"id": f"c_{index}_{n}", "provider": "demoapp", "realm": "acct-bench"}
        person = {"id": [app_id], "first_name": "Ann", "last_name": f"Lee {n}"}
        return "/api/v2/cld-bench/people", headers, json.dumps({"people": person}).encode()
    headers["Authorization"] = PARTNER_AUTH
    contact = {"first_name": "Ann", "last_name": f"Lee {n}", "email": "ann@example.com"}
    return "/v1/accounts/acct-bench/contacts", headers, json.dumps(contact).encode()


def measure(kind: str, seconds: float, clients: int) -> float:
    """Writes per second a sandbox on one core answered with 200/201."""
    port = _free_port()
    extra = ["--group", "cld-bench:default"] if kind == "connec" else ["--account", "acct-bench"]
    server = _start(kind, port, extra)
    try:
        results: multiprocessing.Queue = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(target=_client, args=(kind, port, seconds, i, results))
            for i in range(clients)
        ]
        for worker in workers:
            worker.start()
        total = sum(results.get(timeout=seconds + 30) for _ in workers)
        for worker in workers:
            worker.join()
        return total / seconds
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    for kind in ("connec", "partner"):
        rate = measure(kind, args.seconds, args.clients)
        print(f"{kind}: {rate:,.0f} writes/s on one core ({args.clients} keep-alive clients)")


if __name__ == "__main__":
    main()
