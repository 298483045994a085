"""Fault knobs shared by both sandboxes, switchable at run time and seeded for reproducibility."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

#: statuses a share of answers is replaced with by default
DEFAULT_ERROR_STATUSES = (500, 503)


@dataclass(frozen=True)
class FaultSettings:
    """The knobs; every rate is a probability between 0 and 1."""

    #: share of API answers replaced by one of `error_statuses` (nothing is written)
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = DEFAULT_ERROR_STATUSES
    #: seconds added before every API answer
    latency_s: float = 0.0
    #: share of successful writes applied and then answered by closing the connection
    drop_after_write_rate: float = 0.0
    #: share of webhook deliveries sent twice
    webhook_duplicate_rate: float = 0.0
    #: share of webhook deliveries held back by `webhook_reorder_delay_s`, so later ones overtake
    webhook_reorder_rate: float = 0.0
    webhook_reorder_delay_s: float = 1.0
    #: `Retry-After` (seconds) sent with 429 while throttled
    retry_after_s: int = 1


KNOB_NAMES = frozenset(f.name for f in fields(FaultSettings))


class Faults:
    """Thread-safe fault knobs with a seeded random source; `set(...)` changes them at run time."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._random = random.Random(seed)
        self._settings = FaultSettings()
        self._throttled_until = 0.0

    def set(
        self, *, throttle_s: float | None = None, seed: int | None = None, **knobs: Any
    ) -> None:
        """Change some knobs; `throttle_s` answers 429 for that many seconds from now."""
        unknown = set(knobs) - KNOB_NAMES
        if unknown:
            raise ValueError(f"unknown fault knobs: {sorted(unknown)}")
        updated = replace(self._settings, **_coerce(knobs))
        _check(updated)
        with self._lock:
            self._settings = updated
            if seed is not None:
                self._seed, self._random = seed, random.Random(seed)
            if throttle_s is not None:
                self._throttled_until = time.monotonic() + float(throttle_s)

    def throttle(self, seconds: float, retry_after_s: int | None = None) -> None:
        if retry_after_s is not None:
            self.set(retry_after_s=retry_after_s)
        self.set(throttle_s=seconds)

    def reset(self) -> None:
        with self._lock:
            self._settings = FaultSettings()
            self._throttled_until = 0.0
            self._random = random.Random(self._seed)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            knobs = asdict(self._settings)
            remaining = max(0.0, self._throttled_until - time.monotonic())
        knobs["error_statuses"] = list(knobs["error_statuses"])
        return {**knobs, "throttle_remaining_s": round(remaining, 3), "seed": self._seed}

    def retry_after(self) -> int | None:
        """`Retry-After` seconds while a throttle period runs, else None."""
        with self._lock:
            if time.monotonic() < self._throttled_until:
                return self._settings.retry_after_s
        return None

    def error_status(self) -> int | None:
        with self._lock:
            settings = self._settings
            if settings.error_rate and self._random.random() < settings.error_rate:
                return self._random.choice(settings.error_statuses)
        return None

    def latency_s(self) -> float:
        return self._settings.latency_s

    def drop_after_write(self) -> bool:
        return self._roll("drop_after_write_rate")

    def duplicate_webhook(self) -> bool:
        return self._roll("webhook_duplicate_rate")

    def reorder_delay_s(self) -> float:
        """Extra delay for a webhook delivery chosen to be overtaken, else 0."""
        if self._roll("webhook_reorder_rate"):
            return self._settings.webhook_reorder_delay_s
        return 0.0

    def _roll(self, knob: str) -> bool:
        with self._lock:
            rate = getattr(self._settings, knob)
            return bool(rate) and self._random.random() < rate


def _coerce(knobs: dict[str, Any]) -> dict[str, Any]:
    if "error_statuses" in knobs:
        knobs = {**knobs, "error_statuses": tuple(int(s) for s in knobs["error_statuses"])}
    return knobs


def _check(settings: FaultSettings) -> None:
    for name in ("error_rate", "drop_after_write_rate", "webhook_duplicate_rate"):
        if not 0.0 <= float(getattr(settings, name)) <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1")
    if not 0.0 <= float(settings.webhook_reorder_rate) <= 1.0:
        raise ValueError("webhook_reorder_rate must be between 0 and 1")
    if settings.latency_s < 0 or settings.retry_after_s < 0 or not settings.error_statuses:
        raise ValueError("latency_s and retry_after_s must be >= 0; error_statuses not empty")
