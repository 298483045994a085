"""The Celery peer benchmark: the to-app pipeline written as Celery tasks (bench/celery_peer/app.py,
bench/celery_peer/pipeline.py) side by side with ours, interleaved in one run, on a private
RabbitMQ node (both use quorum queues there):

- throughput: BENCH_RECORDS people queued, then applied (created in the partner sandbox and
  linked back in Connec!) by one consumer process of ours (bench.consumer's run, SQLite) against
  the Celery worker with one prefork pool process, and two against two; first create to the last
  link-back; CPU per record of each process tree;
- latency at 200 records/s: each record published with a confirm on its schedule (ours: to the
  live lane, as the receiver does; Celery: `apply_async` with `confirm_publish`), p50 and p99 of
  the partner's create minus the confirm; one consumer process against one pool process.

Needs the `bench` extra (celery): `make bench` installs it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def main() -> int:
    if importlib.util.find_spec("celery") is None:
        print("bench.celery_peer: celery is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    from bench import _consumer_setup
    from bench.celery_peer.report import summary, table
    from bench.common import write_results
    from connec_sync import logs
    from tests.private_broker import PrivateBroker

    logs.configure("warning")
    load = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    node = PrivateBroker(work / "rabbit")
    node.base.mkdir(parents=True)
    node.start()
    try:
        _consumer_setup.BROKER_URL = node.url  # bench.consumer's runs on the private node too
        os.environ |= {"PEER_BROKER_URL": node.url, "PEER_QUEUE": f"peer-{uuid.uuid4().hex[:8]}"}
        measured = _measure(_consumer_setup.Bench(work, broker_url=node.url))
    finally:
        node.stop()
        shutil.rmtree(work, ignore_errors=True)
    results = summary(measured, load, ROUNDS)
    print(table(results))
    print(f"results: {write_results('celery_peer', results)}")
    return 0


def _measure(bench: Any) -> dict[str, list[dict[str, float]]]:
    from bench.celery_peer import measure

    throughput = (("ours", measure.ours_run), ("celery", measure.celery_run))
    latency = (("ours_paced", measure.ours_paced), ("celery_paced", measure.celery_paced))
    measured: dict[str, list[dict[str, float]]] = {}
    run = 1000
    try:
        for _ in range(ROUNDS):
            for processes in (1, 2):
                for name, runner in throughput:
                    run += 1
                    figures = runner(bench, processes, run)
                    measured.setdefault(f"{name}_{processes}", []).append(figures)
                    print(f"  {name} {processes}: {figures['records_per_s']:.0f} rec/s", flush=True)
            for label, paced in latency:
                run += 1
                measured.setdefault(label, []).append(paced(bench, run))
                print(f"  {label}: p99 {measured[label][-1]['p99_ms']:.1f} ms", flush=True)
    finally:
        bench.close()
    return measured
