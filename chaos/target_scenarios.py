"""The target rows of the matrix: the target answers 5xx, times out, drops connections after a
write, throttles with 429, or is down longer than every retry tier."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from chaos.context import Context, Result, at_fraction, finished, started
from chaos.harness import Run
from chaos.outage import expectations, log_marks, stale_skips
from connec_sync.settings import BrokerSettings


def target_errors(context: Context) -> Result:
    """10 % random 503 on both targets, slow answers past the client timeout, and writes that
    apply and then drop the connection: 0 lost, 0 dup, final state newest."""
    duration = context.duration(40.0)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    for kind in ("connec", "partner"):
        context.faults(kind, error_rate=0.1, error_statuses=[503], drop_after_write_rate=0.05)
    at_fraction(began, duration, 0.4)
    for kind in ("connec", "partner"):
        context.faults(kind, latency_s=2.5)  # past the 2 s client timeout: applied, timed out
    time.sleep(4.0)
    for kind in ("connec", "partner"):
        context.faults(kind, latency_s=0.0)
    run.sender.join() if run.sender else None
    context.clear_faults()
    return finished("target 5xx / timeouts", context, run, began)


def rate_limit(context: Context, throttle_s: float = 30.0, retry_after_s: int = 5) -> Result:
    """429 with Retry-After: 5 for 30 s: no request to the target before Retry-After elapsed,
    no busy loop: per consumer process, at most its applying threads' requests already out
    when the throttle starts, then one probe per pause (and one more at each edge)."""
    duration = context.duration(throttle_s + 15)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    at_fraction(began, duration, 0.15)
    for kind in ("connec", "partner"):
        context.faults(kind, throttle_s=throttle_s, retry_after_s=retry_after_s)
    time.sleep(throttle_s)
    result = finished("rate limit", context, run, began)
    context.clear_faults()
    consumers = len(context.cluster.consumer_names)
    allowed = consumers * (BrokerSettings().concurrency + throttle_s / retry_after_s + 2)
    result.checks["no_busy_loop"] = all(n <= allowed for n in run.throttled.values())
    result.notes["throttled_requests"] = dict(run.throttled)
    return result


def long_outage(context: Context, reason: str = "retries_exhausted") -> Result:
    """Both targets down longer than every retry tier: nothing applied meanwhile, every record
    dead-lettered at its newest version with its reason (older versions dead-lettered too or
    skipped `stale` behind it, see chaos.outage), none lost; `connec-sync dead-letters replay`
    afterwards applies them all."""
    cluster, began = context.cluster, time.monotonic()
    for kind in ("connec", "partner"):
        context.faults(kind, error_rate=1.0, error_statuses=[503])
    marks = log_marks(cluster.processes[name].log_path for name in cluster.consumer_names)
    run = started(context, context.plan(), 0.0)
    assert run.sender is not None
    run.sender.join()
    emptied = run.finish_queues(timeout_s=max(120.0, context.n * 0.3))  # 8 tries each
    outage = _outage_checks(run, marks, reason)
    context.clear_faults()
    replayed = cluster.run_command("dead-letters", "replay", "--reason", reason)
    result = finished("long outage", context, run, began)
    result.figures = run.figures(expected_dead=outage.pop("expected_dead"), replayed=True)
    result.checks |= {"queues_emptied": emptied, **outage.pop("checks")}
    result.notes |= {"replay": replayed.strip().splitlines()[-1:] if replayed else [], **outage}
    return result


def _outage_checks(run: Run, marks: dict[Path, int], reason: str) -> dict[str, Any]:
    """Before the faults are cleared: the dead letters the checker expects, the outage's own
    checks, and notes."""
    run.read_request_logs()
    applied = len(run.evidence({}).effects)
    dead = run.dead_letters()
    expected = expectations(run.ledger.acked, dead, stale_skips(marks), reason)
    dead_for_reason = {key for key, why in dead if why == reason}
    checks = {
        "nothing_applied_during_outage": applied == 0,
        "every_record_dead_lettered": set(expected.expected_dead) <= dead_for_reason,
        "older_versions_dead_or_stale": not expected.unaccounted,
    }
    return {
        "expected_dead": expected.expected_dead,
        "checks": checks,
        "applied_during_outage": applied,
        "unaccounted": expected.unaccounted[:5],
    }
