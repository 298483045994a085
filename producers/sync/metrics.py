"""The sync process's Prometheus metrics (served with `sync --metrics-port N`)."""

from __future__ import annotations

from prometheus_client import Counter, start_http_server

SYNC_RECORDS_PUBLISHED = Counter(
    "connec_sync_sync_records_published_total",
    "Records a sync run published to the backfill lanes, by entity and direction",
    ["entity", "direction"],
)
SYNC_RUNS = Counter("connec_sync_sync_runs_total", "Finished sync runs, by final state", ["state"])


def record_run(state: str, counts: dict[str, dict[str, int]]) -> None:
    """Count a finished run and the records it published."""
    SYNC_RUNS.labels(state).inc()
    for entity, directions in counts.items():
        for direction, published in directions.items():
            SYNC_RECORDS_PUBLISHED.labels(entity, direction).inc(published)


def serve(port: int) -> None:
    start_http_server(port, addr="0.0.0.0")  # noqa: S104 - scraped from outside the pod
