"""Consumer benchmark against a slow target: the partner sandbox answers every request after
SLOW_TARGET_MS (real APIs answer in tens to hundreds of milliseconds), so a consumer applying one
record at a time waits nearly all the time. Measured in one run: the raw baseline (one record
at a time, as in bench/consumer.py), one consumer process with `broker.concurrency = 1`, one with
the default concurrency, and two processes with the default concurrency (how replicas scale
when the target, not the CPU, is the bound); each created record checked and linked back."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._consumer_setup import Bench
from bench.common import write_results
from bench.consumer import best, ours, raw_baseline
from connec_sync import logs
from connec_sync.settings import BrokerSettings

SLOW_TARGET_MS = int(os.environ.get("BENCH_SLOW_TARGET_MS", "20"))
RECORDS = int(os.environ.get("BENCH_SLOW_RECORDS", "600"))
ROUNDS = int(os.environ.get("BENCH_SLOW_ROUNDS", "2"))
DEFAULT_CONCURRENCY = BrokerSettings().concurrency


@contextmanager
def concurrency(threads: int) -> Iterator[None]:
    """Consumer processes started meanwhile apply `threads` records at once."""
    key = "CONNEC_SYNC_BROKER_CONCURRENCY"
    before = os.environ.get(key)
    os.environ[key] = str(threads)
    try:
        yield
    finally:
        if before is None:
            del os.environ[key]
        else:
            os.environ[key] = before


def rounds(bench: Bench) -> dict[str, list[dict[str, float]]]:
    cases = (("serial", 1, 1), ("default", 1, DEFAULT_CONCURRENCY), ("two", 2, DEFAULT_CONCURRENCY))
    measured: dict[str, list[dict[str, float]]] = {"baseline": []}
    measured |= {label: [] for label, _, _ in cases}
    run, bench.partner_latency_s = 1, SLOW_TARGET_MS / 1000
    for _ in range(ROUNDS):
        measured["baseline"].append(raw_baseline(bench, run, RECORDS))
        for label, processes, threads in cases:
            run += 1
            with concurrency(threads):
                measured[label].append(ours(bench, processes, "sqlite", run, RECORDS))
        run += 1
    return measured


def main() -> int:
    logs.configure("warning")
    bench = Bench(Path(tempfile.mkdtemp(prefix="bench-slow-target-")))
    try:
        measured = rounds(bench)
    finally:
        bench.close()
    results = summary(measured)
    print(table(results))
    print(f"results: {write_results('consumer_slow_target', results)}")
    return 0


def summary(measured: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    chosen = {label: best(runs)["records_per_s"] for label, runs in measured.items()}
    return {
        "slow_target_ms": SLOW_TARGET_MS,
        "records": RECORDS,
        "rounds": ROUNDS,
        "default_concurrency": DEFAULT_CONCURRENCY,
        "every_round": measured,
        "records_per_s": chosen,
        "ratio_default_to_baseline": chosen["default"] / chosen["baseline"],
        "ratio_default_to_serial": chosen["default"] / chosen["serial"],
        "ratio_two_to_one": chosen["two"] / chosen["default"],
    }


def table(r: dict[str, Any]) -> str:
    rate, ms, threads = r["records_per_s"], r["slow_target_ms"], r["default_concurrency"]
    rows = [
        (f"raw baseline, target answering in {ms} ms", rate["baseline"], ""),
        ("1 process, concurrency 1", rate["serial"], ""),
        (
            f"1 process, concurrency {threads} (default)",
            rate["default"],
            f"{r['ratio_default_to_baseline']:.2f} x baseline, "
            f"{r['ratio_default_to_serial']:.2f} x concurrency 1",
        ),
        (
            f"2 processes, concurrency {threads}",
            rate["two"],
            f"{r['ratio_two_to_one']:.2f} x one process (>= 1.5)",
        ),
    ]
    lines = [
        f"best of {r['rounds']} rounds x {r['records']} records",
        f"| {'measure':<42} | {'value':>11} | ratio",
        f"|{'-' * 44}|{'-' * 13}|{'-' * 40}",
    ]
    lines += [f"| {a:<42} | {v:>7.0f} rec/s | {c}" for a, v, c in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
