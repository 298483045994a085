"""The Celery peer side by side with ours (bench/celery_peer/__init__.py says what is measured):
the Celery runs, the paced latency runs of both, and what their processes cost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench._consumer_setup import Bench, _ts, consumer, cpu_seconds, stop
from bench.common import _run_threads, _take, percentile
from bench.consumer import _envelope as envelope
from bench.latency import _written
from connec_sync.broker import make_publisher
from connec_sync.broker.setup import names_for
from connec_sync.naming import LIVE
from schemas.envelope import Envelope

RECORDS = int(os.environ.get("BENCH_RECORDS", "1500"))
PACED_RATE, PACED_SECONDS = 200, float(os.environ.get("BENCH_SECONDS", "8"))


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (a Celery worker and its pool processes)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)  # noqa: S603,S607
    total = 0.0
    for each in [pid, *(int(p) for p in found.stdout.split())]:
        try:
            total += cpu_seconds(each)
        except OSError:
            continue
    return total


def worker(config: Path, processes: int) -> subprocess.Popen:
    """`celery worker`, prefork with `processes` pool processes, on the peer's queue."""
    command = [sys.executable, "-m", "celery", "-A", "bench.celery_peer.app", "worker"]
    command += [
        "-P",
        "prefork",
        "-c",
        str(processes),
        "-l",
        "warning",
        "-Q",
        os.environ["PEER_QUEUE"],
    ]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    env = {**os.environ, "PEER_CONFIG": str(config)}
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def stop_worker(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the task it runs
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def link_backs(bench: Bench) -> list[float]:
    """When Connec! answered each single-record PUT (the peer links back one record at a time)."""
    log = bench.connec.state.request_log.entries()
    return sorted(_ts(e["at"]) for e in log if e["method"] == "PUT" and e["status"] == 200)


def ours_run(bench: Bench, processes: int, run: int) -> dict[str, float]:
    """bench.consumer's run of ours: `processes` consumer processes on SQLite."""
    from bench import consumer as consumer_bench

    return consumer_bench.ours(bench, processes, "sqlite", run, RECORDS)


def celery_run(bench: Bench, processes: int, run: int, records: int = RECORDS) -> dict[str, float]:
    """Creates applied by a Celery worker with `processes` pool processes, until the last
    link-back; checked like ours: one create per record, every record linked back."""
    from bench.celery_peer.app import apply_to_app

    bench.reset(run)
    prefix = f"c{run}-"
    for person in bench.people(prefix, records):
        apply_to_app.apply_async(args=[envelope(person).encode().decode()])
    started = worker(bench.config, processes)
    try:
        bench.wait_posts(1)
        cpu_before = tree_cpu(started.pid)
        bench.wait_posts(records)
        cpu = tree_cpu(started.pid) - cpu_before
        linked = bench.wait_linked(prefix, records)
    finally:
        stop_worker(started)
    posts, puts = bench.posts(), link_backs(bench)
    if len(posts) != records or linked != records:
        raise RuntimeError(f"Celery: {len(posts)} creates and {linked} links for {records}")
    seconds = max(posts[-1], puts[-1]) - posts[0]
    return {
        "records_per_s": (records - 1) / seconds,
        "cpu_ms_per_record": 1000 * cpu / records,
    }


def paced(bench: Bench, publish: Callable[[Envelope], None], run: int) -> dict[str, float]:
    """PACED_RATE records/s for PACED_SECONDS, each published (confirmed) on its schedule by
    16 threads; latency = the partner's create - the confirm."""
    people = bench.people(f"e{run}-", int(PACED_RATE * PACED_SECONDS))
    answered: dict[str, float] = {}
    start, lock = time.time() + 0.2, threading.Lock()
    indexes = iter(range(len(people)))

    def sender() -> None:
        for index in _take(indexes, lock):
            time.sleep(max(0.0, start + index / PACED_RATE - time.time()))
            publish(envelope(people[index]))
            answered[people[index]["first_name"]] = time.time()

    _run_threads(sender, 16)
    bench.wait_posts(len(people))
    written = _written(bench)
    latencies = [written[name] - at for name, at in answered.items() if name in written]
    return {
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def ours_paced(bench: Bench, run: int) -> dict[str, float]:
    """One consumer process; each record published to the live lane as the receiver does."""
    bench.reset(run)
    publisher = make_publisher(bench.settings.broker)
    names = names_for(bench.settings.broker)
    process = consumer(bench.config)
    time.sleep(3)
    try:
        return paced(bench, lambda e: publisher.publish_batch([e.message(names, LIVE)]), run)
    finally:
        stop([process])
        publisher.close()


def celery_paced(bench: Bench, run: int) -> dict[str, float]:
    """The Celery worker with one pool process; each record sent with `apply_async`."""
    from bench.celery_peer.app import apply_to_app

    bench.reset(run)
    process = worker(bench.config, 1)
    time.sleep(3)
    try:
        return paced(bench, lambda e: apply_to_app.apply_async(args=[e.encode().decode()]), run)
    finally:
        stop_worker(process)
