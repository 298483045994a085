"""Consumer benchmark: creates applied to the partner sandbox by `connec-sync consume` (one and
two processes) against a raw baseline in the same run (pika consume, `requests` POST of the same
payloads, ack), the peak RSS of a consumer process, and the end-to-end latency at a paced 200
records/s from the receiver's answer to the partner's write.

Each figure is the best of BENCH_ROUNDS rounds, the baseline's included, all in one run. Ours
counts until the last link-back reached Connec! (they are sent after the ack, in batches), and
checks every run: one create per record, every record linked back. One and two processes run
on SQLite (the default store) and on PostgreSQL (the store several processes share in a
deployment). CPU per record is each consumer's CPU time over the records it applied; `bench
process CPU` is this process's share of one core meanwhile (it serves both sandboxes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _raw_consumer
from bench._consumer_setup import (
    Bench,
    consumer,
    cpu_seconds,
    machine_cpu,
    peak_rss_mb,
    stop,
)
from bench.common import percentile, write_results
from bench.latency import _paced, _written
from connec_sync import logs
from connec_sync.broker import make_publisher
from connec_sync.http_server import serve_in_thread
from connec_sync.store import Store
from mappers import MappingContext, to_partner, validate_connec
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from sandboxes import testing
from schemas.envelope import Envelope

RECORDS = int(os.environ.get("BENCH_RECORDS", "1500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PACED_RATE, PACED_SECONDS = 200, float(os.environ.get("BENCH_SECONDS", "8"))
#: (label, processes, store) of each measured case of ours
CASES = (("one", 1, "sqlite"), ("two", 2, "sqlite"), ("one_pg", 1, "pg"), ("two_pg", 2, "pg"))


def raw_baseline(bench: Bench, run: int, records: int = RECORDS) -> dict[str, float]:
    bench.reset(run)
    ctx = MappingContext("demoapp", testing.ACCOUNT)
    people = bench.people(f"raw{run}-", records)
    bodies = [json.dumps(_partner_body(p, ctx)).encode() for p in people]
    queue = f"{bench.namespace}.raw"
    _raw_consumer.declare(bench.broker_url, queue)
    bench.publish(queue, bodies, exchange="")
    url, partner = bench.broker_url, bench.partner.url
    args = [url, queue, partner, testing.API_TOKEN, testing.ACCOUNT, str(records)]
    command = [sys.executable, "-m", "bench._raw_consumer", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    bench.wait_posts(records)
    out, _ = process.communicate(timeout=30)
    posts = bench.posts()
    return {
        "records_per_s": (len(posts) - 1) / (posts[-1] - posts[0]),
        "cpu_ms_per_record": 1000 * json.loads(out)["cpu_s"] / records,
    }


def _partner_body(person: dict[str, Any], ctx: MappingContext) -> dict[str, Any]:
    return to_partner("people", validate_connec("people", person), ctx).body


def ours(
    bench: Bench,
    processes: int,
    store: str,
    run: int,
    records: int = RECORDS,
    without: tuple[str, ...] = (),
) -> dict[str, float]:
    """Creates applied by `processes` consumers, until the last link-back; checked. `without`:
    speed-ups switched off (bench/shortcuts.py)."""
    bench.reset(run, store)
    prefix = f"p{run}-"
    bench.publish("people.to-app", [_envelope(p).encode() for p in bench.people(prefix, records)])
    started = [consumer(bench.config, without) for _ in range(processes)]
    try:
        bench.wait_posts(1)
        cpu_before, own_before = [cpu_seconds(p.pid) for p in started], time.process_time()
        machine_before = machine_cpu()
        bench.wait_posts(records)
        cpu = [cpu_seconds(p.pid) - before for p, before in zip(started, cpu_before, strict=True)]
        own = time.process_time() - own_before
        busy, total = (now - then for now, then in zip(machine_cpu(), machine_before, strict=True))
        linked = bench.wait_linked(prefix, records)
        rss = max(peak_rss_mb(p.pid) for p in started)
    finally:
        stop(started)
    posts, batches = bench.posts(), bench.batches()
    if len(posts) != records or linked != records:
        raise RuntimeError(f"{len(posts)} creates and {linked} links for {records} records")
    seconds = max(posts[-1], batches[-1]) - posts[0]
    return {
        "records_per_s": (records - 1) / seconds,
        "cpu_ms_per_record": 1000 * sum(cpu) / records,
        "consumer_cpu_share": sum(cpu) / seconds / processes,
        "bench_cpu_share": own / seconds,
        "machine_cpu_busy": busy / total,
        "peak_rss_mb": rss,
        "link_back_batches": len(batches),
    }


def _envelope(record: dict[str, Any]) -> Envelope:
    return Envelope.new(
        direction="to-app",
        entity="people",
        record=record,
        tenant="default",
        group_id=testing.GROUP_ID,
        account=testing.ACCOUNT,
    )


def end_to_end(bench: Bench) -> dict[str, float]:
    """Paced notifications through the receiver; latency = partner write - receiver answer."""
    bench.reset(99)
    store = Store.open(bench.settings.store.url)
    store.link_configured(bench.settings.organizations)
    publisher = make_publisher(bench.settings.broker)
    receiver = serve_in_thread(create_app(bench.settings, store, publisher, ReceiverMetrics()))
    people = bench.people("e", int(PACED_RATE * PACED_SECONDS))
    answered: dict[str, float] = {}
    process = consumer(bench.config)
    time.sleep(3)
    try:
        _paced(receiver.url, people, answered, PACED_RATE, {})
        bench.wait_posts(len(people))
        written = _written(bench)
    finally:
        stop([process])
        receiver.stop()
        publisher.close()
        store.close()
    latencies = [written[name] - at for name, at in answered.items() if name in written]
    return {
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def rounds(bench: Bench) -> dict[str, list[dict[str, float]]]:
    """Every case, ROUNDS times, interleaved (so a noisy moment hits all cases alike)."""
    measured: dict[str, list[dict[str, float]]] = {"baseline": []}
    measured |= {label: [] for label, _, _ in CASES}
    run = 1
    for _ in range(ROUNDS):
        measured["baseline"].append(raw_baseline(bench, run))
        for label, processes, store in CASES:
            run += 1
            measured[label].append(ours(bench, processes, store, run))
            print(f"  {label}: {measured[label][-1]['records_per_s']:.0f} rec/s", flush=True)
        run += 1
    return measured


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    return max(runs, key=lambda r: r["records_per_s"])


def main() -> int:
    logs.configure("warning")  # the receiver's line per notification would bury the table
    load = os.getloadavg()
    bench = Bench(Path(tempfile.mkdtemp(prefix="bench-consumer-")))
    try:
        measured = rounds(bench)
        latency = end_to_end(bench)
    finally:
        bench.close()
    results = summary(measured, latency, load)
    print(table(results))
    print(f"results: {write_results('consumer', results)}")
    return 0


def summary(
    measured: dict[str, list[dict[str, float]]], latency: dict[str, float], load: tuple
) -> dict[str, Any]:
    chosen = {label: best(runs) for label, runs in measured.items()}
    baseline = chosen["baseline"]["records_per_s"]
    rate = {label: figures["records_per_s"] for label, figures in chosen.items()}
    return {
        "records": RECORDS,
        "rounds": ROUNDS,
        "cpus": os.cpu_count(),
        "load_average_at_start": list(load),
        "load_average_at_end": list(os.getloadavg()),
        "every_round": measured,
        "best": chosen,
        "ratio_one_to_baseline": rate["one"] / baseline,
        "ratio_two_to_one": rate["two"] / rate["one"],
        "ratio_one_pg_to_baseline": rate["one_pg"] / baseline,
        "ratio_two_pg_to_one_pg": rate["two_pg"] / rate["one_pg"],
        "peak_rss_mb": max(figures.get("peak_rss_mb", 0.0) for figures in chosen.values()),
        "paced_rate": PACED_RATE,
        **latency,
    }


def table(r: dict[str, Any]) -> str:
    b = r["best"]

    def row(label: str, key: str, note: str) -> tuple[str, str, str]:
        f = b[key]
        cost = f" | {f['cpu_ms_per_record']:.2f} ms CPU/rec, consumer {f['consumer_cpu_share']:.0%}"
        cost += f" / bench {f['bench_cpu_share']:.0%} of a core"
        cost += f", machine {f['machine_cpu_busy']:.0%} busy"
        return label, f"{f['records_per_s']:.0f} rec/s", note + cost

    baseline = f"{b['baseline']['records_per_s']:.0f} rec/s"
    raw_cpu = f"{b['baseline']['cpu_ms_per_record']:.2f} ms CPU/rec"
    rows = [
        ("raw baseline (pika + requests POST + ack)", baseline, raw_cpu),
        row("1 process, SQLite (create + link back)", "one", _x(r, "one_to_baseline", 0.6)),
        row("2 processes, SQLite", "two", _x(r, "two_to_one", 1.5)),
        row("1 process, PostgreSQL", "one_pg", _x(r, "one_pg_to_baseline", 0.6)),
        row("2 processes, PostgreSQL", "two_pg", _x(r, "two_pg_to_one_pg", 1.5)),
        ("peak RSS of a consumer process", f"{r['peak_rss_mb']:.1f} MB", "<= 80 MB"),
        (f"end-to-end p50 at {r['paced_rate']} rec/s", f"{r['p50_ms']:.1f} ms", ""),
        (f"end-to-end p99 at {r['paced_rate']} rec/s", f"{r['p99_ms']:.1f} ms", ""),
    ]
    lines = [
        f"best of {r['rounds']} rounds x {r['records']} records, {r['cpus']} CPUs, load average "
        f"{r['load_average_at_start'][0]:.2f} at start, {r['load_average_at_end'][0]:.2f} at end",
        f"| {'measure':<42} | {'value':>11} | ratio / target, cost",
        f"|{'-' * 44}|{'-' * 13}|{'-' * 60}",
    ]
    lines += [f"| {a:<42} | {v:>11} | {c}" for a, v, c in rows]
    return "\n".join(lines)


def _x(r: dict[str, Any], ratio: str, target: float) -> str:
    of = "baseline" if ratio.endswith("baseline") else "one"
    return f"{r['ratio_' + ratio]:.2f} x {of} (>= {target})"


if __name__ == "__main__":
    sys.exit(main())
