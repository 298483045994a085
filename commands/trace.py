"""`connec-sync trace (--connec-id ID | --partner-id ID | --message-id ID) [--json]`: one
record's journey from its lineage, both directions, with its link and why it is stuck."""

from __future__ import annotations

import argparse
import json
from typing import Any

from connec_sync.settings import Settings
from connec_sync.store import Store
from operators.trace import render_text, trace

#: exit status when no lineage and no link is known for the id
EXIT_NOT_FOUND = 1


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "trace",
        help="one record's journey: received, delivered, written, linked back, or why stuck",
        description="Print every event of one record's lineage in time order (both directions: "
        "received, each delivery with its outcome and duration, mapped, written, linked back, "
        "skipped, retried, dead-lettered, acked), the state of its link, and when it is stuck "
        "the one line that says why. Lineage is kept lineage.retention_days.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--connec-id", help="the record's Connec! id")
    which.add_argument("--partner-id", help="the record's id in the partner app")
    which.add_argument("--message-id", help="the id of one message about the record")
    parser.add_argument(
        "--json", action="store_true", help='print {"record": {...}, "events": [...]}'
    )
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    store = Store.open(settings.store.url)
    try:
        found = trace(
            store, connec_id=args.connec_id, partner_id=args.partner_id, message_id=args.message_id
        )
    finally:
        store.close()
    print(json.dumps(found, indent=2, default=str) if args.json else render_text(found))
    nothing = not found["events"] and found["record"]["link"] == "not linked"
    return EXIT_NOT_FOUND if nothing else 0
