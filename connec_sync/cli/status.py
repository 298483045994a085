"""`connec-sync status [--json]`: queues per entity and direction, and linked organizations."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from connec_sync.broker import amqp
from connec_sync.settings import Settings
from connec_sync.status import organization_facts, queue_facts
from connec_sync.store import Store

EXIT_UNAVAILABLE = 3


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "status",
        help="queue depths, consumers and organizations",
        description="Per entity and direction: ready and unacked messages in the work queue, "
        "its backfill lane, each retry tier and the dead-letter queue, and consumers attached; "
        "per organization: settings, last sync runs and records in error.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        connection = amqp.open_connection(settings.broker)
    except amqp.BrokerUnavailable as error:
        print(f"connec-sync status: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    try:
        facts = queue_facts(settings, connection)
    finally:
        connection.release()
    store = Store.open(settings.store.url)
    try:
        facts["organizations"] = organization_facts(store)
    finally:
        store.close()
    print(json.dumps(facts, indent=2) if args.json else render(facts))
    return 0


def render(facts: dict[str, Any]) -> str:
    lines = [f"broker {facts['broker']}", ""]
    header = f"{'queue':<58} {'ready':>7} {'unacked':>8} {'consumers':>9}"
    lines.append(header)
    for row in facts["queues"]:
        unacked = "?" if row["unacked"] is None else row["unacked"]
        ready = "missing" if not row["exists"] else row["ready"]
        lines.append(f"{row['name']:<58} {ready!s:>7} {unacked!s:>8} {row['consumers']!s:>9}")
    lines.append("")
    for org in facts["organizations"]:
        state = "enabled" if org["enabled"] else "disabled"
        lines.append(f"organization {org['tenant']}/{org['group_id']} <-> {org['account']} ({state})")
        for run in org["last_runs"]:
            lines.append(f"  sync {run['id']} {run['mode']} {run['state']} {run['started_at']}")
        for record in org["records_with_errors"]:
            lines.append(f"  {record['entity']} {record['connec_id']}: {record['error']}")
    return "\n".join(lines)
