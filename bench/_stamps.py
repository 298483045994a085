"""`python -m bench._stamps FILE -- ARGS`: `connec-sync ARGS` with a wall-clock stamp taken at
each step of every message (bench-only: the functions below are wrapped in this process, the
production code pays nothing), written to FILE (JSON lines) when the process ends.
`breakdown` turns the stamps into the per-step table of bench/latency.py.

Steps of a `to-app` message: delivered (the frame read off the socket by the worker's thread),
dispatched (handed to an applying thread), picked (that thread starts it), guarded (lease taken,
version checked), mapped, write_ahead (the version being written, committed), written (the
partner answered the create), recorded (the version and the pending link-back committed),
judged (the verdict handed back), acked, linked_back (Connec! accepted the link-back).

With `BENCH_GC_LOG=FILE` in its environment, the process also writes each garbage collection's
generation, end and duration to FILE (consumers/runtime/collecting.py says why).
"""

from __future__ import annotations

import atexit
import functools
import gc
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import percentile

STEPS = (
    "delivered",
    "dispatched",
    "picked",
    "guarded",
    "mapped",
    "write_ahead",
    "written",
    "recorded",
    "judged",
    "acked",
    "linked_back",
)
_stamps: dict[str, dict[str, Any]] = {}
_by_connec_id: dict[str, str] = {}
_current = threading.local()


def _stamp(message_id: str | None, step: str) -> None:
    if message_id is not None:
        _stamps.setdefault(message_id, {})[step] = time.time()


def _after(owner: Any, name: str, step: Callable[[Any, tuple], str | None]) -> None:
    """Wrap `owner.name` so that a stamp is taken when it returns (`step` names the message)."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        _stamp(step(result, args), name)
        return result

    setattr(owner, name, wrapped)


def install() -> None:
    from connec_sync.broker.rabbitmq.consumer import RabbitConsumer
    from consumers import guard, lineage, to_app
    from consumers.runtime import applying, settling
    from mappers import api

    current = lambda _result, _args: getattr(_current, "message_id", None)  # noqa: E731

    def received(self: Any, delivery: Any) -> None:
        original_received(self, delivery)
        _stamp(delivery.message_id, "delivered")

    original_received = RabbitConsumer._received
    RabbitConsumer._received = received

    def start(self: Any, job: Any) -> None:
        original_start(self, job)
        message_id = job.delivery.message_id
        _stamp(message_id, "dispatched")
        _stamps[message_id]["name"] = job.envelope.record.get("first_name")
        _by_connec_id[job.key.rsplit("|", 1)[1]] = message_id

    original_start = applying.Applier.start
    applying.Applier.start = start

    def apply(self: Any, job: Any) -> None:
        _current.message_id = job.delivery.message_id
        _stamp(_current.message_id, "picked")
        original_apply(self, job)
        _stamp(_current.message_id, "judged")

    original_apply = applying.Applier._apply
    applying.Applier._apply = apply
    _after(guard.Hold, "check_version", current)
    _after(api.Mapper, "to_partner", current)
    _after(guard.Hold, "attempt", current)
    _after(to_app, "_write", current)
    _after(guard.Hold, "record", current)
    _after(settling.Settler, "settle", lambda _r, args: args[1].message_id)
    _after(
        lineage.LineageRecorder,
        "linked_back",
        lambda _r, args: _by_connec_id.get(args[2]),
    )


#: the wrapped functions' names -> the step each stamps
RENAMED = {
    "check_version": "guarded",
    "to_partner": "mapped",
    "attempt": "write_ahead",
    "_write": "written",
    "record": "recorded",
    "settle": "acked",
}


def write(path: Path) -> None:
    with path.open("w") as out:
        for message_id, stamps in _stamps.items():
            named = {RENAMED.get(k, k): v for k, v in stamps.items()}
            out.write(json.dumps({"message_id": message_id, **named}) + "\n")


def breakdown(
    path: Path, sent: dict[str, float], answered: dict[str, float], written: dict[str, float]
) -> dict[str, float]:
    """p50 and p99 (ms) of the notification's post (sent to answered), then of each step's time
    since the one before, from the receiver's answer
    (`delivered` may come before it: the broker delivers while the answer travels);
    `written_by_partner`: the partner sandbox's own stamp of the write, `written` when the
    consumer read the answer."""
    intervals: dict[str, list[float]] = {
        "receive_and_publish_confirm": [answered[n] - sent[n] for n in answered],
        "end_to_end": [written[n] - answered[n] for n in answered if n in written],
    }
    for line in path.read_text().splitlines() if path.exists() else ():
        stamps = json.loads(line)
        name = stamps.get("name")
        if name not in answered:
            continue
        previous = answered[name]
        for step in (*STEPS[:6], "written_by_partner", *STEPS[6:]):
            at = written.get(name) if step == "written_by_partner" else stamps.get(step)
            if at is None:
                continue
            intervals.setdefault(step, []).append(at - previous)
            previous = at
    out: dict[str, float] = {}
    for step, values in intervals.items():
        out[f"{step}_p50"] = percentile(values, 0.5) * 1000
        out[f"{step}_p99"] = percentile(values, 0.99) * 1000
    return out


def _log_collections(path: Path) -> None:
    """Write each garbage collection's (generation, wall-clock end, seconds) to `path` (JSON)
    when the process ends: every thread stands still while the collector runs."""
    pauses: list[tuple[int, float, float]] = []
    began = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            began[0] = now
        else:
            pauses.append((info["generation"], time.time(), now - began[0]))

    gc.callbacks.append(timed)
    atexit.register(lambda: path.write_text(json.dumps(pauses)))


def main(argv: list[str]) -> int:
    split = argv.index("--")
    path = Path(argv[0])
    install()
    atexit.register(write, path)
    if os.environ.get("BENCH_GC_LOG"):
        _log_collections(Path(os.environ["BENCH_GC_LOG"]))
    from commands import main as connec_sync

    return connec_sync(argv[split + 1 :])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
