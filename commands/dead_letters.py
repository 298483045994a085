"""`connec-sync dead-letters list | show | replay | purge`: dead letters kept in the store.

Every subcommand first moves what waits in the dead-letter queues into the store (at most
`COLLECT_LIMIT` per run); with the broker unreachable, `list`, `show` and `purge` work on what the
store holds already, and `replay` stops with status 3.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from connec_sync.broker import BrokerUnavailable
from connec_sync.naming import DIRECTIONS
from connec_sync.settings import Settings
from connec_sync.store import DeadLetter, DeadLetterFilter, Store
from operators.dead_letters import collect_dead_letters, replay

EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_NOT_FOUND = 2, 3, 4


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "dead-letters",
        help="list, show, replay and purge dead letters",
        description="Dead letters moved from the dead-letter queues into the store: list them, "
        "show one, replay them through the normal pipeline (each one once), or purge them.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list dead letters, oldest first")
    _add_filters(listing)
    listing.add_argument("--json", action="store_true", help="print one JSON document")
    listing.set_defaults(handler=list_letters)
    show = actions.add_parser("show", help="one dead letter with its envelope")
    show.add_argument("id", type=int)
    show.set_defaults(handler=show_letter)
    again = actions.add_parser("replay", help="publish dead letters again to their live lane")
    _add_filters(again, everything=True)
    again.add_argument("--dry-run", action="store_true", help="list what would be replayed")
    again.add_argument(
        "--include-stuck",
        action="store_true",
        help='also replay dead letters left "replaying" by an interrupted replay (they may '
        "have been published already: the pipeline skips a duplicate it already applied)",
    )
    again.set_defaults(handler=replay_letters)
    purge = actions.add_parser("purge", help="delete dead letters from the store")
    _add_filters(purge, everything=True)
    purge.set_defaults(handler=purge_letters)


def _add_filters(parser: argparse.ArgumentParser, everything: bool = False) -> None:
    parser.add_argument("--entity", help="Connec! collection, e.g. people")
    parser.add_argument("--direction", choices=DIRECTIONS)
    parser.add_argument("--reason", help="e.g. invalid, retries_exhausted, delivery_limit")
    parser.add_argument("--since", type=_moment, help="dead-lettered at or after (ISO 8601)")
    parser.add_argument(
        "--id", dest="ids", type=int, action="append", default=[], help="repeatable"
    )
    if everything:
        parser.add_argument("--all", action="store_true", help="every dead letter (no filter)")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def filter_of(args: argparse.Namespace) -> DeadLetterFilter:
    return DeadLetterFilter(args.entity, args.direction, args.reason, args.since, tuple(args.ids))


def _with_store(settings: Settings, action: Any, needs_broker: bool = False) -> int:
    """Open the store, collect dead letters from the queues into it, then run `action(store)`."""
    store = Store.open(settings.store.url)
    try:
        try:
            collected = collect_dead_letters(settings.broker, store)
        except BrokerUnavailable as error:
            print(f"connec-sync dead-letters: {error}", file=sys.stderr)
            if needs_broker:
                return EXIT_UNAVAILABLE
            print("connec-sync dead-letters: showing what the store holds", file=sys.stderr)
        else:
            if collected.limit_reached:
                print(
                    "connec-sync dead-letters: more dead letters wait; run again", file=sys.stderr
                )
        return int(action(store))
    finally:
        store.close()


def summary(letter: DeadLetter) -> dict[str, Any]:
    """A dead letter as `list --json` prints it (the envelope only in `show`)."""
    return {
        "id": letter.id,
        "message_id": letter.message_id,
        "entity": letter.entity,
        "direction": letter.direction,
        "reason": letter.reason,
        "error": letter.error,
        "attempts": letter.attempts,
        "first_failure": _iso(letter.first_failure),
        "last_failure": _iso(letter.last_failure),
        "lane": letter.lane,
        "replayable": letter.envelope is not None,
        "state": letter.state,
        "received_at": _iso(letter.received_at),
        "replayed_at": _iso(letter.replayed_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def list_letters(settings: Settings, args: argparse.Namespace) -> int:
    def action(store: Store) -> int:
        letters = store.dead_letters.find(filter_of(args))
        if args.json:
            print(json.dumps([summary(letter) for letter in letters], indent=2))
        else:
            print(f"{'id':>6} {'entity':<14} {'direction':<10} {'reason':<20} {'state':<10} error")
            for letter in letters:
                print(_line(letter))
        return 0

    return _with_store(settings, action)


def _line(letter: DeadLetter) -> str:
    error = (letter.error or "").replace("\n", " ")[:60]
    state = letter.state if letter.envelope is not None else "no-envelope"
    return (
        f"{letter.id:>6} {letter.entity:<14} {letter.direction:<10} {letter.reason:<20} "
        f"{state:<10} {error}"
    )


def show_letter(settings: Settings, args: argparse.Namespace) -> int:
    def action(store: Store) -> int:
        letter = store.dead_letters.get(args.id)
        if letter is None:
            print(f"connec-sync dead-letters: no dead letter {args.id}", file=sys.stderr)
            return EXIT_NOT_FOUND
        for key, value in summary(letter).items():
            print(f"{key + ':':<15}{'' if value is None else value}")
        print(f"{'headers:':<15}{json.dumps(letter.headers, sort_keys=True)}")
        if letter.envelope is None:
            print("envelope:      none (undecodable: this dead letter cannot be replayed); body:")
            print(letter.body)
        else:
            print("envelope:")
            print(json.dumps(letter.envelope, indent=2, sort_keys=True))
        return 0

    return _with_store(settings, action)


def _chosen(args: argparse.Namespace) -> DeadLetterFilter | None:
    """The filter of replay or purge; None (a usage error) when neither a filter nor --all."""
    where = filter_of(args)
    if where.is_empty and not args.all:
        print(
            f"connec-sync dead-letters {args.action}: name what (--entity, --direction, "
            "--reason, --since, --id) or pass --all",
            file=sys.stderr,
        )
        return None
    return where


def replay_letters(settings: Settings, args: argparse.Namespace) -> int:
    where = _chosen(args)
    if where is None:
        return EXIT_USAGE

    def action(store: Store) -> int:
        states = (None, "replaying") if args.include_stuck else (None,)
        letters = store.dead_letters.find(where, states)
        if args.dry_run:
            for letter in letters:
                print(f"would replay {_line(letter)}")
            print(f"{len(letters)} dead letter(s) would be replayed")
            return 0
        report = replay(settings.broker, store, letters, include_stuck=args.include_stuck)
        return _print_report(report)

    return _with_store(settings, action, needs_broker=not args.dry_run)


def _print_report(report: Any) -> int:
    for letter_id in report.replayed:
        print(f"replayed {letter_id}")
    for letter_id, why in report.refused:
        print(f"not replayed {letter_id}: {why}")
    for letter_id in report.stuck:
        print(f"unsure {letter_id}: left replaying (see replay --include-stuck)")
    print(f"{len(report.replayed)} dead letter(s) replayed")
    if report.error:
        print(f"connec-sync dead-letters replay: stopped: {report.error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return 0


def purge_letters(settings: Settings, args: argparse.Namespace) -> int:
    where = _chosen(args)
    if where is None:
        return EXIT_USAGE

    def action(store: Store) -> int:
        print(f"{store.dead_letters.purge(where)} dead letter(s) purged")
        return 0

    return _with_store(settings, action)
