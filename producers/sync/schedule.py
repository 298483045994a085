"""`--every DURATION`: run a round of syncs, pause the interval plus or minus some jitter, repeat,
until the stop event is set (`connec-sync sync` sets it on SIGTERM or SIGINT through
`connec_sync.stopping`)."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable

_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in `90s`, `15m`, `1h`, `1h30m`, `2d`; raises ValueError for anything else."""
    compact = text.strip().lower()
    parts = _PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"not a duration: {text!r} (e.g. 90s, 15m, 1h, 1h30m)")
    seconds = sum(float(number) * _UNIT_S[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(f"a duration must be more than 0: {text!r}")
    return seconds


def jittered(interval_s: float, share: float, rand: Callable[[], float] = random.random) -> float:
    """`interval_s` plus or minus up to `share` of it, uniformly; never below 0."""
    return max(0.0, interval_s * (1 + share * (2 * rand() - 1)))


def run_every(
    interval_s: float,
    share: float,
    round_of_syncs: Callable[[], int],
    stop: threading.Event,
    rand: Callable[[], float] = random.random,
) -> int:
    """Run rounds until `stop` is set; returns the status of the last round."""
    status = 0
    while not stop.is_set():
        status = round_of_syncs()
        if stop.wait(jittered(interval_s, share, rand)):
            break
    return status
