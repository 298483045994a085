"""`connec-sync status [--json]`: per entity and direction the queues and dead letters; per
organization the last sync runs and the records in error."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from connec_sync.settings import Settings
from connec_sync.store import Store
from operators.status import status_facts

EXIT_UNAVAILABLE = 3


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "status",
        help="queue depths, dead letters, consumers and organizations",
        description="Per entity and direction: ready and unacked messages in the work queue, "
        "its backfill lane and each retry tier, dead letters by reason, and consumers attached; "
        "per organization: settings, last sync runs and records in error. Dead letters waiting "
        "in the dead-letter queues are first moved into the store (see `dead-letters`).",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    store = Store.open(settings.store.url)
    try:
        facts = status_facts(settings, store)
    finally:
        store.close()
    if not facts["broker_reachable"]:
        print(f"connec-sync status: {facts['broker_error']}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    print(json.dumps(facts, indent=2, default=str) if args.json else render(facts))
    return 0


def render(facts: dict[str, Any]) -> str:
    lines = [f"broker {facts['broker']}"]
    lines += [f"warning: {warning}" for warning in facts.get("replica_warnings", [])]
    lines.append("")
    lines += render_routes(facts["routes"])
    lines.append("")
    if facts.get("cluster_nodes"):
        lines += render_replicas(facts["cluster_nodes"], facts["queues"])
        lines.append("")
    lines += render_organizations(facts["organizations"])
    return "\n".join(lines)


def _pair(counts: dict[str, Any] | None) -> str:
    """`ready/unacked`, with `?` for what the broker did not tell."""
    if not counts or counts["ready"] is None:
        return "-"
    unacked = "?" if counts["unacked"] is None else counts["unacked"]
    return f"{counts['ready']}/{unacked}"


def _known(value: Any) -> str:
    return "-" if value is None else str(value)


def render_replicas(nodes: list[str], queues: list[dict[str, Any]]) -> list[str]:
    """Each existing queue's leader node and members, on a cluster of `nodes`."""
    lines = [f"cluster nodes: {' '.join(nodes)}", f"{'queue':<48} {'leader':<28} members"]
    for queue in queues:
        if queue.get("members"):
            members = " ".join(queue["members"])
            lines.append(f"{queue['name']:<48} {_known(queue['leader']):<28} {members}")
    return lines


def render_routes(routes: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"{'entity':<14} {'direction':<10} {'live':>9} {'backfill':>9} {'retry tiers':<22} "
        f"{'dlq':>5} {'consumers':>9}  dead letters (pending replay, by reason)"
    ]
    for route in routes:
        tiers = " ".join(f"{t['delay_s']}s:{_pair(t)}" for t in route["retry"])
        dead = route.get("dead") or {}
        reasons = " ".join(f"{r}={n}" for r, n in sorted(route["dead_letters"].items())) or "-"
        replays = " ".join(f"{s}={n}" for s, n in sorted(route["replays"].items()))
        consumers = _known((route.get("work") or {}).get("consumers"))
        lines.append(
            f"{route['entity']:<14} {route['direction']:<10} {_pair(route.get('work')):>9} "
            f"{_pair(route.get('backfill')):>9} {tiers:<22} {_known(dead.get('ready')):>5} "
            f"{consumers!s:>9}  {reasons}" + (f" ({replays})" if replays else "")
        )
    return lines


def render_organizations(organizations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for org in organizations:
        state = "enabled" if org["enabled"] else "disabled"
        lines.append(
            f"organization {org['tenant']}/{org['group_id']} <-> {org['account']} ({state})"
        )
        for run in org["last_runs"]:
            lines.append(f"  sync {run['id']} {run['mode']} {run['state']} {run['started_at']}")
        for record in org["records_with_errors"]:
            lines.append(f"  {record['entity']} {record['connec_id']}: {record['error']}")
        lines += render_dropped_fields(org.get("dropped_fields") or {})
    return lines


def render_dropped_fields(dropped: dict[str, Any]) -> list[str]:
    """Records applied with dropped fields: counts per route, then the latest examples."""
    if not dropped.get("records"):
        return []
    counts = ", ".join(f"{r['entity']} {r['direction']}: {r['count']}" for r in dropped["records"])
    lines = [f"  records applied with dropped fields (latest kept): {counts}"]
    for example in dropped["latest"]:
        said = "; ".join(f"{f['field']} ({f['reason']})" for f in example["fields"])
        who = example["name"] or example["record_id"]
        lines.append(f"    {example['entity']} {example['direction']} {who}: {said}")
    return lines
