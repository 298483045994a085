"""`Children`: a metric's labelled children, remembered (prometheus-client looks a child up
under a lock and checks its label values at each `labels()` call, some 5 µs; the hot paths count
each request and each message). Label values must come from small fixed sets: routes, reasons,
statuses."""

from __future__ import annotations

from typing import Any


class Children:
    """`children(metric, *labels)` is `metric.labels(*labels)`, made once per label values."""

    def __init__(self) -> None:
        self._known: dict[tuple[Any, tuple[str, ...]], Any] = {}

    def __call__(self, metric: Any, *labels: str) -> Any:
        key = (metric, labels)
        child = self._known.get(key)
        if child is None:
            child = self._known[key] = metric.labels(*labels)
        return child
