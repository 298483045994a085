"""Bounded atheris runs over what the receiver parses before anything else: Connec! notifications,
partner events, and the Standard Webhooks signature check. The only exceptions allowed are the
ones the receiver turns into 400 and 401 answers; anything else is a crash (a 500).

`python -m chaos.fuzz` runs every target for `--runs` inputs, each in its own process;
`python -m chaos.fuzz TARGET` runs one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
from typing import Any

#: inputs per target in a bounded run
DEFAULT_RUNS = 20_000
SECRET = "whsec_" + "Y2hhb3MtZnV6ei1zZWNyZXQ="
NOW = 1_800_000_000


class _Organization:
    account = "acct-fuzz"

    def allows(self, entity: str, direction: str) -> bool:
        return entity != "payments"


def _find(tenant: str, group_id: str) -> _Organization | None:
    return _Organization() if group_id.startswith("cld") else None


def structure(fdp: Any, depth: int = 0) -> Any:
    """A JSON-like value drawn from the fuzzer's bytes (objects keyed by likely names)."""
    kind = fdp.ConsumeIntInRange(0, 7 if depth < 4 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeInt(4)
    if kind == 3:
        return fdp.ConsumeUnicodeNoSurrogates(12)
    if kind == 4:
        return fdp.PickValueInList(["cld-1", "organizations", "Person", "id", "created", ""])
    if kind == 5:
        return [structure(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    keys = [
        "organizations",
        "people",
        "Person",
        "TaxCode",
        "group_id",
        "id",
        "updated_at",
        "account",
        "events",
        "resource",
        "action",
        "record",
        "occurred_at",
        "companies",
    ]
    return {
        fdp.PickValueInList(keys): structure(fdp, depth + 1)
        for _ in range(fdp.ConsumeIntInRange(0, 5))
    }


def _body(data: bytes, atheris: Any) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return structure(atheris.FuzzedDataProvider(data))


def notifications(data: bytes, atheris: Any) -> None:
    from producers.notifications import InvalidNotification, split_notification

    with contextlib.suppress(InvalidNotification):
        split_notification(_body(data, atheris), "default", _find)


def events(data: bytes, atheris: Any) -> None:
    from producers.events import InvalidEvents, parse_events, split_events

    try:
        batch = parse_events(_body(data, atheris))
    except InvalidEvents:
        return
    split_events(batch, _Organization())


def signatures(data: bytes, atheris: Any) -> None:
    from producers.signatures import InvalidSignature, SignatureVerifier, sign

    fdp = atheris.FuzzedDataProvider(data)
    webhook_id = fdp.ConsumeUnicodeNoSurrogates(16)
    timestamp = fdp.PickValueInList(
        [str(NOW), str(NOW - 10_000), fdp.ConsumeUnicodeNoSurrogates(8)]
    )
    body = fdp.ConsumeBytes(64)
    signature = fdp.ConsumeUnicodeNoSurrogates(80)
    if fdp.ConsumeBool() and timestamp.isdigit():
        signature = sign(SECRET, webhook_id, timestamp, body) + " " + signature
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
    }
    with contextlib.suppress(InvalidSignature):
        SignatureVerifier([SECRET]).verify(headers, body, now=NOW)


TARGETS = {"notifications": notifications, "events": events, "signatures": signatures}


def fuzz_one(target: str, runs: int) -> None:
    import atheris

    with atheris.instrument_imports():
        import producers.events
        import producers.notifications
        import producers.signatures  # noqa: F401 (instrumented for coverage feedback)
    check = TARGETS[target]
    atheris.Setup(
        [sys.argv[0], f"-runs={runs}", "-max_len=4096"], lambda data: check(data, atheris)
    )
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos.fuzz", description=__doc__)
    parser.add_argument("targets", nargs="*", choices=[*TARGETS, []], metavar="TARGET")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    args = parser.parse_args(argv)
    if len(args.targets) == 1:
        fuzz_one(args.targets[0], args.runs)  # exits when done
    failed = []
    for target in args.targets or TARGETS:
        command = [sys.executable, "-m", "chaos.fuzz", target, "--runs", str(args.runs)]
        done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
        status = "ok" if done.returncode == 0 else f"CRASH (exit {done.returncode})"
        print(f"fuzz {target:<14} runs={args.runs} {status}", flush=True)
        if done.returncode != 0:
            failed.append(target)
            print(done.stderr[-4000:], file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
