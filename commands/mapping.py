"""`connec-sync mapping check [--since DURATION] [--entity E] [--file FILE] [--json]`: what the
mapping as it is now would write differently, per record and field, for the records kept by
lineage (or a file of envelopes), writing nothing; exit 1 when any record would now fail."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connec_sync.settings import Settings
from connec_sync.store import Store
from mappers.registry import COLLECTIONS
from operators.mapping_check import FAILS, UndecodableMessage, check, from_file, kept, render_text
from producers.sync.schedule import parse_duration
from providers.registry import configured

EXIT_WOULD_FAIL, EXIT_USAGE = 1, 2


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "mapping",
        help="check the mapping as it is now against the records that flowed",
        description="Mapping tools for partner developers.",
    )
    kinds = parser.add_subparsers(dest="mapping_command", metavar="COMMAND", required=True)
    checking = kinds.add_parser(
        "check",
        help="replay kept records through the current mapping; exit 1 if any would now fail",
        description="Replay the newest version of each record kept by lineage (or the envelopes "
        "of --file) through the validation and mapping as they are now, writing nothing, and "
        "print per record and field what would be written differently from what was written. "
        "Exit 1 when any record would now fail (invalid, missing reference).",
    )
    checking.add_argument("--since", metavar="DURATION", help="e.g. 1h, 2d (default: all kept)")
    checking.add_argument("--entity", choices=COLLECTIONS, help="one entity only")
    checking.add_argument("--file", type=Path, help="envelopes (JSON array or lines) to check")
    checking.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    checking.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        since = datetime.now(UTC) - _window(settings, args.since)
    except ValueError as error:
        print(f"connec-sync mapping check: --since: {error}", file=sys.stderr)
        return EXIT_USAGE
    store = Store.open(settings.store.url)
    try:
        records = (
            from_file(args.file, args.entity) if args.file else kept(store, since, args.entity)
        )
        provider = configured(settings)
        checked = check(store, provider.mapper, settings.partner.provider, records)
    except (OSError, ValueError, UndecodableMessage) as error:
        print(f"connec-sync mapping check: {args.file}: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.close()
    print(json.dumps(checked, indent=2, default=str) if args.json else render_text(checked))
    return EXIT_WOULD_FAIL if any(r["verdict"] == FAILS for r in checked) else 0


def _window(settings: Settings, since: str | None) -> timedelta:
    if since is None:
        return timedelta(days=settings.lineage.retention_days)
    return timedelta(seconds=parse_duration(since))
