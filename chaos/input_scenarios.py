"""The input rows of the matrix: poison records, bad requests, duplicates and reordering, load."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

import requests

from chaos.cluster import ACCOUNT, API_ID, GROUP, Cluster
from chaos.context import Context, Result, finished, started
from chaos.harness import Run
from chaos.sender import EVENTS_PATH, NOTIFY_PATH, basic_auth, signed_headers
from chaos.traffic import CRASHER, INVALID


def poison(context: Context, crashers: int = 5) -> Result:
    """1 % invalid records and 5 that crash the handler: invalid ones dead-lettered on their
    first delivery, crashers by the delivery limit, the rest unaffected."""
    began = time.monotonic()
    plan = context.plan(invalid_rate=0.01, crashers=crashers)
    run = started(context, plan, context.duration(10.0))
    result = finished("poison", context, run, began)
    invalid = [r.key(1) for r in run.records if r.poison == INVALID]
    crashing = [r.key(1) for r in run.records if r.poison == CRASHER]
    result.checks |= {
        "invalid_sent": bool(invalid),
        "crashers_sent": len(crashing) == crashers,
        "invalid_dead_on_first_delivery": all(run.dead_attempts.get(k) == 1 for k in invalid),
    }
    result.notes["dead_attempts"] = {k: run.dead_attempts.get(k) for k in invalid + crashing}
    return result


def duplicates_and_reordering(context: Context) -> Result:
    """20 % re-sent, records × 5 versions shuffled: 0 dup effects, 0 regressions, final newest."""
    began = time.monotonic()
    plan = context.plan(versions=5, shuffle=True, duplicate_rate=0.2, per_request=3)
    run = started(context, plan, context.duration(10.0))
    return finished("duplicates and reordering", context, run, began)


def load(context: Context, concurrency: int = 50, window_s: float = 60.0) -> Result:
    """N records in 60 s from 50 concurrent senders: 0 lost; receiver p99 < 500 ms; memory flat."""
    cluster = context.cluster
    began = time.monotonic()
    memory_before = receiver_memory_kib(cluster)
    run = started(context, context.plan(versions=1, per_request=1), window_s, workers=concurrency)
    assert run.sender is not None
    run.sender.join()
    memory_after = receiver_memory_kib(cluster)
    result = finished("load", context, run, began)
    latencies = sorted(a.elapsed_s for a in run.ledger.answers if 200 <= a.status < 300)
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("inf")
    growth = (memory_after - memory_before) / max(1, memory_before)
    result.checks |= {"p99_under_500ms": p99 < 0.5, "memory_flat": growth < 0.5}
    result.notes |= {"p99_ms": round(p99 * 1000), "memory_kib": (memory_before, memory_after)}
    return result


def receiver_memory_kib(cluster: Cluster) -> int:
    """Resident memory of the receiver's process group (gunicorn master and workers)."""
    process = cluster.processes["receiver"]
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, ValueError):
            if os.getpgid(int(status.parent.name)) != process.pid:
                continue
            rss = next(ln for ln in status.read_text().splitlines() if ln.startswith("VmRSS:"))
            total += int(rss.split()[1])
    return total


#: (what, method, path, headers, body, the right answer)
BadRequest = tuple[str, str, dict[str, str], bytes, int]


def bad_requests_list(context: Context) -> list[BadRequest]:
    body = json.dumps({"organizations": [{"id": "x", "group_id": GROUP}]}).encode()
    event = json.dumps({"account": ACCOUNT, "events": []}).encode()
    nested = ("[" * 5000 + "]" * 5000).encode()
    stale = signed_headers("chaos-stale", event)
    stale["webhook-timestamp"] = str(int(time.time()) - 3600)
    forged = signed_headers("chaos-forged", event, secret="whsec_" + "QUJD" * 8)
    json_type = {"Content-Type": "application/json"}
    return [
        ("no auth", NOTIFY_PATH, json_type, body, 401),
        ("wrong password", NOTIFY_PATH, {**json_type, **basic_auth(API_ID, "wrong")}, body, 401),
        ("bad signature", EVENTS_PATH, forged, event, 401),
        ("stale signature", EVENTS_PATH, stale, event, 401),
        ("no signature", EVENTS_PATH, json_type, event, 401),
        ("oversized", NOTIFY_PATH, {**json_type, **basic_auth()}, b" " * 6_000_000, 413),
        ("malformed", NOTIFY_PATH, {**json_type, **basic_auth()}, b'{"organizations": [', 400),
        ("deeply nested", NOTIFY_PATH, {**json_type, **basic_auth()}, nested, 400),
        ("not an object", NOTIFY_PATH, {**json_type, **basic_auth()}, b"42", 400),
    ]


def bad_requests(context: Context) -> Result:
    """No auth, wrong password, bad or stale signature, oversized, malformed, deeply nested: the
    right 4xx for 100 %, 0 messages published."""
    began = time.monotonic()
    run = Run(context.cluster, context.plan(versions=1)).prepare()  # seeded, nothing sent
    cases = bad_requests_list(context)
    wrong = {}
    rounds = max(1, context.n // len(cases) // 10)
    for _ in range(rounds):
        for what, path, headers, body, wanted in cases:
            status = _post(context.cluster.receiver_url + path, headers, body)
            if status != wanted:
                wrong[what] = status
    result = finished("bad requests", context, run, began)
    result.n = rounds * len(cases)
    published = run.queued() + sum(a.seen_writes for a in run.applied.values())
    result.checks |= {"right_4xx_for_all": not wrong, "nothing_published": published == 0}
    result.notes |= {"wrong": wrong, "cases": len(cases)}
    return result


def _post(url: str, headers: dict[str, str], body: bytes) -> int:
    try:
        return requests.post(url, data=body, headers=headers, timeout=30).status_code
    except requests.RequestException:
        return 0
