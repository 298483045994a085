"""The poller's Prometheus metrics (served with `poll --metrics-port N`): progress (records and
deletions published, polls by outcome) and lag (when each entity's last poll finished, and how
old a change is when it is published)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

POLL_RECORDS = Counter(
    "connec_sync_poll_records_published_total",
    "Changed records the poller published to the to-connec queues, by entity",
    ["entity"],
)
POLL_DELETIONS = Counter(
    "connec_sync_poll_deletions_published_total",
    "Records found deleted in the app by a sweep and published as deletions, by entity",
    ["entity"],
)
POLLS = Counter(
    "connec_sync_polls_total",
    "Polls of one account, by outcome (done, leased, failed)",
    ["outcome"],
)
POLL_COMPLETED = Gauge(
    "connec_sync_poll_last_completed_timestamp_seconds",
    "When the last poll of an entity finished (its lag: now minus this)",
    ["entity"],
)
POLL_CHANGE_AGE = Histogram(
    "connec_sync_poll_change_age_seconds",
    "How old a change was (its updated_at) when the poller published it",
    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 3600),
)


def serve(port: int) -> None:
    start_http_server(port, addr="0.0.0.0")  # noqa: S104 - scraped from outside the pod
