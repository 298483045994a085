"""`connec-sync publish-events --account A FILE`: publish partner change events straight to
RabbitMQ, as a partner's own publisher would (the body format of partner-api.md section 5).

It is the tool of a provider whose app pushes its changes (change source `push`): the events'
resources are named as the configured provider names them. A polled provider's changes are read
by `connec-sync poll`; for one, the command refuses (exit status 2) and says so."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from connec_sync import logs
from connec_sync.settings import Settings
from providers.interface import PUSH, Provider
from providers.registry import configured

EXIT_INVALID, EXIT_UNAVAILABLE = 2, 3


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "publish-events",
        help="publish partner change events to the broker",
        description='FILE holds {"account": ..., "events": [...]} (or just the events array); '
        "each event is published as one confirmed envelope to <collection>.to-connec, its "
        "resource named as the configured provider (partner.provider) names it. For a provider "
        "whose app pushes its changes; a polled one (connec-sync poll) exits with status 2.",
    )
    parser.add_argument("--account", required=True, help="the partner account the events belong to")
    parser.add_argument("file", metavar="FILE", help="JSON file, or - for standard input")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from producers.events import InvalidEvents
    from producers.publisher import PartnerEventPublisher, PublishFailed, UnknownResource

    provider = configured(settings)
    if provider.change_source != PUSH:
        print(f"connec-sync publish-events: {_not_pushed(provider)}", file=sys.stderr)
        return EXIT_INVALID
    try:
        events = _read_events(args.file, args.account)
    except (OSError, ValueError) as error:
        print(f"connec-sync publish-events: {error}", file=sys.stderr)
        return EXIT_INVALID
    publisher = PartnerEventPublisher(
        settings.broker.url,
        args.account,
        namespace=settings.broker.namespace,
        confirm_timeout_s=settings.broker.confirm_timeout_s,
        entities=provider.entities,
    )
    try:
        count = publisher.publish(events)
    except (InvalidEvents, UnknownResource) as error:
        print(f"connec-sync publish-events: {error}", file=sys.stderr)
        return EXIT_INVALID
    except PublishFailed as error:
        print(
            f"connec-sync publish-events: not confirmed, nothing acknowledged: {error}",
            file=sys.stderr,
        )
        return EXIT_UNAVAILABLE
    finally:
        publisher.close()
    logs.get_logger().info("events_published", account=args.account, count=count)
    return 0


def _not_pushed(provider: Provider) -> str:
    return (
        f"provider {provider.name!r} is polled, not pushed: its changes are read by "
        "`connec-sync poll`; publish-events publishes the events of a provider whose app sends "
        "them (change source push)"
    )


def _read_events(path: str, account: str) -> Any:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    document = json.loads(text)
    if isinstance(document, dict) and "body" in document and "events" not in document:
        document = document["body"]  # a fixture file: {"headers": ..., "body": ...}
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise ValueError("FILE must hold an object with events, or an array of events")
    if document.get("account", account) != account:
        raise ValueError(f"FILE is for account {document['account']!r}, not {account!r}")
    return document.get("events")
