"""The Celery peer benchmark's summary and table."""

from __future__ import annotations

import os
from typing import Any


def summary(
    measured: dict[str, list[dict[str, float]]], load: tuple, rounds: int
) -> dict[str, Any]:
    """Best round of each case: the most records/s, the lowest p99 (every round is kept)."""
    best = {
        k: max(v, key=lambda r: r["records_per_s"]) for k, v in measured.items() if "paced" not in k
    }
    paced = {k: min(v, key=lambda r: r["p99_ms"]) for k, v in measured.items() if "paced" in k}
    return {
        "rounds": rounds,
        "machine": {"cpus": os.cpu_count(), "load": [load[0], os.getloadavg()[0]]},
        "every_round": measured,
        "best": best,
        "paced": paced,
        "ratio_one": best["ours_1"]["records_per_s"] / best["celery_1"]["records_per_s"],
        "ratio_two": best["ours_2"]["records_per_s"] / best["celery_2"]["records_per_s"],
    }


def table(r: dict[str, Any]) -> str:
    b, p = r["best"], r["paced"]
    lines = [
        f"ours against the Celery peer, {r['rounds']} interleaved rounds, {r['machine']['cpus']} "
        "CPUs, load average {:.2f} at start, {:.2f} at end".format(*r["machine"]["load"]),
        "| measure | ours | Celery | ratio (target) |",
        "|---|---|---|---|",
    ]
    for n, key in ((1, "ratio_one"), (2, "ratio_two")):
        o, c = b[f"ours_{n}"], b[f"celery_{n}"]
        lines.append(
            f"| records/s, {n} process(es) ({o['cpu_ms_per_record']:.2f} / "
            f"{c['cpu_ms_per_record']:.2f} ms CPU per record) | {o['records_per_s']:.0f} | "
            f"{c['records_per_s']:.0f} | {r[key]:.2f} (>= 1.5) |"
        )
    for q in ("p50_ms", "p99_ms"):
        o, c = p["ours_paced"][q], p["celery_paced"][q]
        target = "(below Celery's)" if q == "p99_ms" else ""
        lines.append(
            f"| {q[:3]} at 200 records/s (ms) | {o:.1f} | {c:.1f} | {o / c:.2f} {target} |"
        )
    return "\n".join(lines)
