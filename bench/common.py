"""Shared by the benchmarks: HTTP load (closed-loop and paced), percentiles, RSS, results."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

RESULTS_DIR = Path("bench-results")


@dataclass
class LoadResult:
    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies_s: list[float] = field(default_factory=list)

    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _tree(pid: int) -> list[str]:
    """A process and its children (a gunicorn master and its workers)."""
    children = ["pgrep", "-P", str(pid)]
    done = subprocess.run(children, capture_output=True, text=True, check=False)  # noqa: S603,S607
    return [str(pid), *done.stdout.split()]


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process and its children have used so far."""
    ticks = 0
    for each in _tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (a gunicorn master and its workers)."""
    pids = _tree(pid)
    total_kb = 0
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        total_kb += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0
        )
    return total_kb / 1024


class Client:
    """One keep-alive HTTP connection posting a fixed request."""

    def __init__(self, url: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self._request = (path, body, {**headers, "Content-Length": str(len(body))})

    def post(self) -> bool:
        path, body, headers = self._request
        try:
            self._connection.request("POST", path, body=body, headers=headers)
            answer = self._connection.getresponse()
            answer.read()
            return 200 <= answer.status < 300
        except (OSError, http.client.HTTPException):
            self._connection.close()
            return False


def closed_loop(make_client: Callable[[], Client], concurrency: int, seconds: float) -> LoadResult:
    """`concurrency` senders, each posting as soon as its previous answer arrived."""
    result, lock = LoadResult(), threading.Lock()
    deadline = time.perf_counter() + seconds

    def sender() -> None:
        client = make_client()
        while time.perf_counter() < deadline:
            ok = client.post()
            with lock:
                result.ok += ok
                result.failed += not ok

    started = time.perf_counter()
    _run_threads(sender, concurrency)
    result.seconds = time.perf_counter() - started
    return result


def paced(
    make_client: Callable[[], Client], rate: float, seconds: float, senders: int = 32
) -> LoadResult:
    """`rate` requests per second on a fixed schedule; latency counts from the scheduled time,
    so a slow answer delays nothing and is not hidden (no coordinated omission)."""
    result, lock = LoadResult(), threading.Lock()
    start = time.perf_counter() + 0.1
    total = int(rate * seconds)
    next_index = iter(range(total))

    def sender() -> None:
        client = make_client()
        for index in _take(next_index, lock):
            due = start + index / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            ok = client.post()
            with lock:
                result.ok += ok
                result.failed += not ok
                result.latencies_s.append(time.perf_counter() - due)

    _run_threads(sender, senders)
    result.seconds = time.perf_counter() - start
    return result


def _take(indexes: Any, lock: threading.Lock) -> Any:
    while True:
        with lock:
            index = next(indexes, None)
        if index is None:
            return
        yield index


def _run_threads(target: Callable[[], None], count: int) -> None:
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def wait_ready(url: str, timeout_s: float = 30.0) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=1)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
