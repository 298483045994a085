"""Prometheus metrics of the consumers, per entity and direction (served with --metrics-port).

The target request latency histogram lives with the clients (connec_sync.clients.http)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram, start_http_server

from connec_sync.metric_children import Children
from connec_sync.naming import Route
from consumers.outcomes import DROPPED_FIELDS
from consumers.verdicts import APPLIED, DEAD_LETTERED, RETRIED, SKIPPED, Verdict
from schemas.envelope import Envelope
from schemas.tolerance import field_name

_ROUTE = ["entity", "direction"]
APPLIED_TOTAL = Counter("connec_sync_records_applied_total", "Records applied", _ROUTE)
SKIPPED_TOTAL = Counter(
    "connec_sync_records_skipped_total", "Records skipped, by reason", [*_ROUTE, "reason"]
)
RETRIED_TOTAL = Counter(
    "connec_sync_records_retried_total",
    "Records sent back for a retry, by reason",
    [*_ROUTE, "reason"],
)
DEAD_LETTERED_TOTAL = Counter(
    "connec_sync_records_dead_lettered_total",
    "Records dead-lettered, by reason",
    [*_ROUTE, "reason"],
)
FIELDS_DROPPED_TOTAL = Counter(
    "connec_sync_fields_dropped_total",
    "Fields left out of applied records because their value could not be converted",
    [*_ROUTE, "field"],
)
#: `since` is `source_change` (the record's updated_at) or `receipt` (the envelope's received_at)
APPLY_LAG_SECONDS = Histogram(
    "connec_sync_apply_lag_seconds",
    "Seconds from a record's change at its source, or from its receipt, to applied",
    [*_ROUTE, "since"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400),
)
_COUNTERS = {SKIPPED: SKIPPED_TOTAL, RETRIED: RETRIED_TOTAL, DEAD_LETTERED: DEAD_LETTERED_TOTAL}
_child = Children()


def count(route: Route, verdict: Verdict, envelope: Envelope | None) -> None:
    """Count one settled message; an applied one also observes its lag."""
    if verdict.outcome == APPLIED:
        _child(APPLIED_TOTAL, route.entity, route.direction).inc()
        _count_dropped(route, verdict.details.get(DROPPED_FIELDS) or ())
        if envelope is not None:
            _observe_lag(route, envelope)
        return
    counter = _COUNTERS[verdict.outcome]
    _child(counter, route.entity, route.direction, verdict.reason or "unknown").inc()


def _count_dropped(route: Route, dropped: Any) -> None:
    """One per field left out of an applied record, labelled without list indexes."""
    for each in dropped:
        _child(FIELDS_DROPPED_TOTAL, route.entity, route.direction, field_name(each["field"])).inc()


def _observe_lag(route: Route, envelope: Envelope) -> None:
    now = datetime.now(UTC)
    for since, at in (("source_change", envelope.updated_at), ("receipt", envelope.received_at)):
        moment = _parse_time(at)
        if moment is not None:
            lag = max(0.0, (now - moment).total_seconds())
            _child(APPLY_LAG_SECONDS, route.entity, route.direction, since).observe(lag)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def serve(port: int) -> None:
    """Serve /metrics on `port` from a daemon thread (every metric of the process)."""
    start_http_server(port)
