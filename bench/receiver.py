"""Receiver benchmark: records/s accepted for 1- and 50-record notifications, and latency at a
paced 200 requests/s, for `connec-sync receiver` and for a raw pika baseline on the same gunicorn
setup (same workers and threads), against a private RabbitMQ node (the receiver declares every
entity's queues: too many for the shared broker).

`BENCH_RECEIVER_BEFORE=<source tree>` adds a third server, the receiver of another checkout of
connec-sync (e.g. `git worktree add /tmp/before main`), taking its turns with the other two: a
change is measured against what it changes in the same run, each as a ratio of the baseline."""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.common import (
    Client,
    closed_loop,
    cpu_s,
    paced,
    percentile,
    rss_mb,
    wait_ready,
    write_results,
)
from connec_sync.broker import BrokerUnavailable, declare_all, open_broker
from connec_sync.broker.setup import names_for
from connec_sync.settings import Settings
from mappers.registry import COLLECTIONS
from tests.private_broker import PrivateBroker

#: seconds of each measurement; senders in the closed-loop runs; the paced rate
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCY = 16
PACED_RATE = 200
WORKERS = 2
#: the source tree of an earlier receiver to measure beside this one (optional)
BEFORE_TREE = os.environ.get("BENCH_RECEIVER_BEFORE")
PATH = "/maestrano/connec/notifications/default"
CONFIG = """
[broker]
url = "{url}"
namespace = "{namespace}"
[store]
url = "sqlite:///{store}"
[receiver]
workers = {workers}
[connec.tenants.default]
api_id = "bench"
api_key = "bench-key"
[[organizations]]
tenant = "default"
group_id = "cld-bench"
account = "acct-bench"
entities = {{people = "both"}}
"""
AUTH = {
    "Authorization": "Basic YmVuY2g6YmVuY2gta2V5",
    "Content-Type": "application/json",
}  # bench:bench-key


def notification(records: int) -> bytes:
    person = {
        "group_id": "cld-bench",
        "first_name": "Ann",
        "last_name": "Lee",
        "updated_at": "2026-11-27T10:11:13Z",
    }
    people = [
        {**person, "id": [{"id": f"p{i}", "provider": "connec", "realm": "org-b"}]}
        for i in range(records)
    ]
    return json.dumps({"people": people}).encode()


@contextmanager
def server(command: list[str], port: int, cwd: str | None = None) -> Iterator[subprocess.Popen]:
    """A server; `cwd`: the source tree it runs from (its modules first on the path)."""
    env = {**os.environ, "PYTHONPATH": cwd} if cwd else None
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=env
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


def measure_phase(phase: str, port: int, pid: int) -> dict[str, float]:
    """One phase on one server; for closed loops, also the CPU its processes spent per record
    (holds under other load, where records/s does not)."""
    url = f"http://127.0.0.1:{port}"
    if phase == "paced":
        run = paced(lambda: Client(url, PATH, notification(1), AUTH), PACED_RATE, SECONDS)
        return {
            "p50_ms": percentile(run.latencies_s, 0.5) * 1000,
            "p99_ms": percentile(run.latencies_s, 0.99) * 1000,
            "failed": run.failed,
        }
    records = int(phase)
    body = notification(records)
    used = cpu_s(pid)
    run = closed_loop(lambda: Client(url, PATH, body, AUTH), CONCURRENCY, SECONDS)
    cpu_us = (cpu_s(pid) - used) * 1e6 / max(1, run.ok * records)
    return {
        f"records_per_s_{records}": run.per_second() * records,
        f"cpu_us_per_record_{records}": cpu_us,
        "failed": run.failed,
    }


def measure_both(
    servers: dict[str, tuple[int, int]], settings: Settings
) -> dict[str, dict[str, Any]]:
    """Each phase runs on every server (name: port, pid) in turn, ROUNDS times, so background
    load on a shared machine hits them alike; the best throughput and the median latencies and
    CPU are kept."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    for _round in range(ROUNDS):
        for phase in ("1", "50", "paced"):
            for name, (port, pid) in servers.items():
                runs[name].append(measure_phase(phase, port, pid))
                purge(settings)
    return {name: summarise(results) for name, results in runs.items()}


def summarise(results: list[dict[str, float]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"failed": sum(r.pop("failed") for r in results)}
    for key in ("records_per_s_1", "records_per_s_50"):
        summary[key] = max(r[key] for r in results if key in r)
    for key in ("p50_ms", "p99_ms", "cpu_us_per_record_1", "cpu_us_per_record_50"):
        summary[key] = statistics.median(r[key] for r in results if key in r)
    summary["all_runs"] = results
    return summary


def purge(settings: Settings, attempts: int = 3) -> None:
    """Empty the queue between runs; the shared broker may be slow to accept a connection."""
    queue = names_for(settings.broker).route("people", "to-app").work_queue()
    for attempt in range(1, attempts + 1):
        try:
            with open_broker(settings.broker, COLLECTIONS) as broker:
                broker.purge([queue])
            return
        except BrokerUnavailable:
            if attempt == attempts:
                raise
            time.sleep(2)


def table(ours: dict[str, Any], baseline: dict[str, Any]) -> str:
    rows = [
        ("records/s, 1-record notifications", "records_per_s_1"),
        ("records/s, 50-record notifications", "records_per_s_50"),
    ]
    rows += [
        ("server CPU per record, 1-record (us)", "cpu_us_per_record_1"),
        ("server CPU per record, 50-record (us)", "cpu_us_per_record_50"),
        (f"p50 latency at {PACED_RATE} req/s (ms)", "p50_ms"),
        (f"p99 latency at {PACED_RATE} req/s (ms)", "p99_ms"),
    ]
    rows += [("RSS of master + workers (MB)", "rss_mb")]
    lines = [
        f"| {'measure':<40} | {'receiver':>10} | {'baseline':>10} | {'ratio':>6} |",
        f"|{'-' * 42}|{'-' * 12}|{'-' * 12}|{'-' * 8}|",
    ]
    for label, key in rows:
        ratio = ours[key] / baseline[key] if baseline[key] else float("nan")
        lines.append(
            f"| {label:<40} | {ours[key]:>10.1f} | {baseline[key]:>10.1f} | {ratio:>6.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    if shutil.which("rabbitmq-server") is None and not Path("/usr/lib/rabbitmq/bin").exists():
        print("skipped: rabbitmq-server is not installed")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-receiver-"))
    broker = PrivateBroker(work / "rabbit")
    broker.base.mkdir(parents=True)
    try:
        broker.start()
        config = work / "config.toml"
        namespace = f"bench-{uuid.uuid4().hex[:8]}"
        values = {"url": broker.url, "namespace": namespace, "store": work / "store.db"}
        config.write_text(CONFIG.format(**values, workers=WORKERS))
        settings = Settings.from_file(config)
        declare_all(settings.broker, COLLECTIONS)
        results = measure_servers(config, settings)
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
    report_results(results)
    return 0


def receiver_command(config: Path, port: int) -> list[str]:
    command = [sys.executable, "-m", "commands", "--config", str(config)]
    command += ["--log-level", "warning", "receiver", "--port", str(port)]
    return command + ["--operator-port", str(port + 10)]


def measure_servers(config: Path, settings: Settings) -> dict[str, Any]:
    """Start our receiver, the baseline (and an earlier receiver) on the same gunicorn setup,
    and measure them in turns."""
    base_cmd = [sys.executable, "-m", "bench.baseline_receiver", "--config", str(config)]
    ports = {"receiver": 18181, "baseline": 18182}
    with ExitStack() as stack:
        processes = {
            "receiver": stack.enter_context(server(receiver_command(config, 18181), 18181)),
            "baseline": stack.enter_context(server(base_cmd + ["--port", "18182"], 18182)),
        }
        if BEFORE_TREE:
            command = receiver_command(config, 18184)
            processes["before"] = stack.enter_context(server(command, 18184, BEFORE_TREE))
            ports["before"] = 18184
        servers = {name: (port, processes[name].pid) for name, port in ports.items()}
        results = measure_both(servers, settings)
        for name, process in processes.items():
            results[name]["rss_mb"] = rss_mb(process.pid)
    return results


def report_results(results: dict[str, Any]) -> None:
    ours, baseline = results["receiver"], results["baseline"]
    report = table(ours, baseline)
    if "before" in results:
        report += "\n\nbefore (BENCH_RECEIVER_BEFORE):\n" + table(results["before"], baseline)
    print(report)
    meta = {
        "rounds": ROUNDS,
        "workers": WORKERS,
        "concurrency": CONCURRENCY,
        "seconds": SECONDS,
        "paced_rate": PACED_RATE,
        "cpus": os.cpu_count(),
    }
    path = write_results("receiver", {**results, "settings": meta, "table": report})
    print(f"results: {path}")


if __name__ == "__main__":
    sys.exit(main())
