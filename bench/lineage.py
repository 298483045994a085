"""What lineage costs a consumer: one consumer process (SQLite and PostgreSQL, bench.consumer's
run: creates applied and linked back) with lineage kept, then without (bench._without lineage),
rounds interleaved. The cost is CPU per record with lineage over without, minus 1, and the
records/s ratio; lineage must cost at most MAX_COST (10 %) of a consumer's throughput."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import consumer as consumer_bench
from bench._consumer_setup import Bench
from bench.common import write_results
from connec_sync import logs

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
MAX_COST = 0.10
CASES = {"with_lineage": (), "without_lineage": ("lineage",)}


def measure(bench: Bench) -> dict[str, dict[str, list[dict[str, float]]]]:
    measured: dict[str, dict[str, list[dict[str, float]]]] = {"sqlite": {}, "pg": {}}
    run = 2000
    for _ in range(ROUNDS):
        for store, cases in measured.items():
            for case, without in CASES.items():
                run += 1
                figures = consumer_bench.ours(bench, 1, store, run, without=without)
                kept = {k: figures[k] for k in ("records_per_s", "cpu_ms_per_record")}
                cases.setdefault(case, []).append(kept)
                print(f"  consumer {store} {case}: {kept['records_per_s']:.0f} rec/s", flush=True)
    return measured


def cost(cases: dict[str, list[dict[str, float]]]) -> dict[str, float]:
    """The best round of each case: CPU per record and records/s, with over without."""
    best = {case: max(runs, key=lambda r: r["records_per_s"]) for case, runs in cases.items()}
    cpu = {case: min(r["cpu_ms_per_record"] for r in runs) for case, runs in cases.items()}
    return {
        "rate_ratio": best["with_lineage"]["records_per_s"]
        / best["without_lineage"]["records_per_s"],
        "cpu_cost": cpu["with_lineage"] / cpu["without_lineage"] - 1,
    }


def table(costs: dict[str, dict[str, float]]) -> str:
    lines = [f"| {'consumer':<10} | {'rec/s with / without':>21} | {'CPU/rec cost':>12} | target"]
    lines.append(f"|{'-' * 12}|{'-' * 23}|{'-' * 14}|{'-' * 22}")
    for store, figures in costs.items():
        lines.append(
            f"| {store:<10} | {figures['rate_ratio']:>21.2f} | {figures['cpu_cost']:>+11.1%} "
            f"| ratio >= {1 - MAX_COST:.2f}, cost <= {MAX_COST:.0%}"
        )
    return "\n".join(lines)


def main() -> int:
    logs.configure("warning")
    bench = Bench(Path(tempfile.mkdtemp(prefix="bench-lineage-")))
    load = os.getloadavg()
    try:
        measured = measure(bench)
    finally:
        bench.close()
    costs = {store: cost(cases) for store, cases in measured.items()}
    results: dict[str, Any] = {"rounds": ROUNDS, "every_round": measured, "costs": costs}
    results |= {"load_average_at_start": list(load), "load_average_at_end": list(os.getloadavg())}
    print(table(costs))
    print(f"results: {write_results('lineage', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
