"""The garbage collector in a consumer process: `freeze_start_up_objects()`, called once the
process is set up and before it consumes, collects once and then moves every object made so far
(modules, classes, settings, clients, mappers: they live as long as the process) out of the
collector's reach (`gc.freeze`).

Why: a full collection stops every thread while it scans every tracked object. In a consumer
process most of them are the start-up's, so each full collection, every few seconds at 200
records/s, stalled the process for ~40 ms (bench/latency.py, `BENCH_GC_LOG`), and the records
delivered meanwhile waited; frozen, a full collection scans only what consuming made since.
The younger generations are collected as before. The collection before the freeze keeps the
start-up's garbage from being frozen with it.
"""

from __future__ import annotations

import gc


def freeze_start_up_objects() -> int:
    """Collect, then freeze every object tracked now; returns how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


__all__ = ["freeze_start_up_objects"]
