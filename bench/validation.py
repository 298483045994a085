"""Validation's CPU: marshmallow's `load` against the compiled path (schemas/compiled.py), in
one process, rounds interleaved, the best round of each counted (the least CPU).

- **the five loads** of one record of bench.consumer's runs (a Connec! person as the sandbox
  sends it, `{"first_name", "last_name"}` seeded): the envelope's decode (JSON parsed, the wire
  form checked, the Envelope built), the Connec! record (`connec`), the partner body
  (`partner_write`), the partner's answer (`partner`), and, the other way, the Connec! push
  (`connec_write`); CPU µs per record each way, and the ratio (marshmallow / compiled: 5.0
  means the compiled path does it in a fifth).
- **the fixtures**: every JSON object in tests/ fixtures loaded by every schema a consumer
  loads; those marshmallow loads (the common, valid case) and those it refuses (the compiled
  path tries, gives up, and marshmallow answers), total CPU both ways and the ratio.
- **whole** (with BENCH_VALIDATION_WHOLE=1): one consumer process applying bench.consumer's
  creates, on SQLite and PostgreSQL, with the compiled path and with it switched off
  (`compiled_schemas`, bench/_library_paths.py), rounds interleaved: CPU ms per record.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError

from bench.common import write_results
from mappers import MappingContext, to_partner, validate_connec, validate_partner
from mappers.registry import REFERENCE
from sandboxes.connec.sandbox import ConnecSandbox
from sandboxes.partner.sandbox import PartnerSandbox
from schemas import compiled
from schemas.envelope import Envelope, decode
from schemas.envelope_wire import _SCHEMA as ENVELOPE_SCHEMA
from tests.unit.mapping.parity import every_schema, fixture_objects

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CALLS = 2000
CTX = MappingContext("demoapp", "acct-bench")


def thread_cpu_per_call(call: Callable[[], Any], calls: int) -> float:
    """CPU seconds of this thread per call."""
    started = time.thread_time()
    for _ in range(calls):
        call()
    return (time.thread_time() - started) / calls


def one_record() -> dict[str, Any]:
    """The inputs of a to-app create's loads and of its way back, as the sandboxes make them."""
    connec = ConnecSandbox({"bench": ("id", "key")})
    connec.add_group("cld-bench", "bench")
    seeded = {"first_name": "Ann0", "last_name": "Bench"}
    record = connec.seed("cld-bench", "people", [seeded])[0]
    envelope = Envelope.new(entity="people", direction="to-app", record=record, tenant="bench")
    mapping = REFERENCE.entity("people").mapping
    body = mapping.to_partner(validate_connec("people", record), CTX)
    written = to_partner("people", validate_connec("people", record), CTX).body
    answer = PartnerSandbox(accounts=("acct-bench",)).seed("acct-bench", "contacts", [written])
    pushed = mapping.to_connec(validate_partner("people", answer[0]), CTX)
    return {
        "envelope": envelope.encode(),
        "connec": record,
        "partner_write": body,
        "partner": answer[0],
        "connec_write": pushed,
    }


def five_loads() -> dict[str, dict[str, float]]:
    """Each load of one record, CPU µs per record, marshmallow and compiled, interleaved."""
    inputs, schemas = one_record(), REFERENCE.entity("people").schemas
    cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "envelope": (
            lambda: Envelope(**_marshmallow_wire(json.loads(inputs["envelope"]))),
            lambda: decode(inputs["envelope"]),
        )
    }
    for kind in ("connec", "partner_write", "partner", "connec_write"):
        schema, data = getattr(schemas, kind), inputs[kind]
        assert compiled.load(schema, data) == schema.load(data)
        cases[kind] = (_bound(schema.load, data), _bound(compiled.load, schema, data))
    best: dict[str, dict[str, float]] = {kind: {} for kind in cases}
    for _ in range(ROUNDS):
        for kind, (library, fast) in cases.items():
            for label, call in (("marshmallow_us", library), ("compiled_us", fast)):
                spent = thread_cpu_per_call(call, CALLS) * 1e6
                best[kind][label] = min(best[kind].get(label, spent), spent)
    for figures in best.values():
        figures["ratio"] = figures["marshmallow_us"] / figures["compiled_us"]
    return best


def _bound(call: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: call(*args)


def _marshmallow_wire(data: dict) -> dict:
    loaded: dict = ENVELOPE_SCHEMA.load(data)
    return loaded


def fixtures() -> dict[str, Any]:
    """Every fixture object by every schema: loaded and refused, total CPU both ways."""
    pairs: dict[str, list[tuple[Schema, Any]]] = {"loaded": [], "refused": []}
    for schema in every_schema().values():
        for data in fixture_objects():
            try:
                schema.load(data)
                pairs["loaded"].append((schema, data))
            except ValidationError:
                pairs["refused"].append((schema, data))
    found: dict[str, Any] = {}
    for name, group in pairs.items():
        library = lambda group=group: _each(group, lambda s, d: s.load(d))  # noqa: E731
        fast = lambda group=group: _each(group, compiled.load)  # noqa: E731
        spent = {"marshmallow_ms": [], "compiled_ms": []}
        for _ in range(ROUNDS):
            spent["marshmallow_ms"].append(thread_cpu_per_call(library, 1) * 1e3)
            spent["compiled_ms"].append(thread_cpu_per_call(fast, 1) * 1e3)
        figures = {label: min(values) for label, values in spent.items()}
        figures["ratio"] = figures["marshmallow_ms"] / figures["compiled_ms"]
        found[name] = {"loads": len(group), **figures}
    return found


def _each(pairs: list[tuple[Schema, Any]], load: Callable[[Schema, Any], Any]) -> None:
    for schema, data in pairs:
        with contextlib.suppress(ValidationError):
            load(schema, data)


def consumer_whole() -> dict[str, dict[str, list[float]]]:
    """CPU ms per record of one consumer, compiled and marshmallow, each store, interleaved."""
    from bench import consumer as consumer_bench
    from bench._consumer_setup import Bench

    bench = Bench(Path(tempfile.mkdtemp(prefix="bench-validation-")))
    measured: dict[str, dict[str, list[float]]] = {}
    run = 2000
    try:
        for _ in range(ROUNDS):
            for store in ("sqlite", "pg"):
                for case, without in (("compiled", ()), ("marshmallow", ("compiled_schemas",))):
                    run += 1
                    figures = consumer_bench.ours(bench, 1, store, run, without=without)
                    spent = figures["cpu_ms_per_record"]
                    measured.setdefault(store, {}).setdefault(case, []).append(spent)
                    print(f"  consumer {store} {case}: {spent:.3f} ms CPU/record", flush=True)
    finally:
        bench.close()
    return measured


def report(results: dict[str, Any]) -> None:
    print(f"{'load':<14} {'marshmallow µs':>15} {'compiled µs':>12} {'ratio':>7}")
    for kind, each in results["loads"].items():
        marshmallow, fast = each["marshmallow_us"], each["compiled_us"]
        print(f"{kind:<14} {marshmallow:>15.1f} {fast:>12.1f} {each['ratio']:>7.2f}")
    for name, each in results["fixtures"].items():
        marshmallow, fast = each["marshmallow_ms"], each["compiled_ms"]
        print(f"fixtures {name}: {each['loads']} loads, marshmallow {marshmallow:.0f} ms,", end="")
        print(f" compiled {fast:.0f} ms, ratio {each['ratio']:.2f}")
    for store, cases in results.get("whole", {}).items():
        best = {case: min(values) for case, values in cases.items()}
        ratio = best["marshmallow"] / best["compiled"]
        print(f"consumer {store}, best CPU ms/record: {best}; marshmallow / compiled {ratio:.3f}")
    print("load average at start, end:", results["load_at_start"], results["load_at_end"])


def main() -> int:
    results: dict[str, Any] = {"load_at_start": os.getloadavg()}
    results |= {"loads": five_loads(), "fixtures": fixtures()}
    if os.environ.get("BENCH_VALIDATION_WHOLE") == "1":
        results["whole"] = consumer_whole()
    results["load_at_end"] = os.getloadavg()
    report(results)
    print(f"results: {write_results('validation', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
