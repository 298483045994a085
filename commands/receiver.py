"""`connec-sync receiver`: the HTTP front door for Connec! notifications and partner events."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from commands import receiver_server
from commands.receiver_pages import operator_app, receiver_apps
from connec_sync import logs
from connec_sync.broker import BrokerUnavailable, declare_all
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest
from connec_sync.store import Store
from mappers.registry import COLLECTIONS
from operators.access import refusal

EXIT_CONFIG, EXIT_UNAVAILABLE = 2, 3

__all__ = ["operator_app", "receiver_apps", "register"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "receiver",
        help="serve the webhook receiver (gunicorn)",
        description="Receive Connec! notifications and partner events and publish every record "
        "to RabbitMQ; answer 2xx only once the broker confirmed them all, 503 otherwise.",
    )
    parser.add_argument("--host", help="address to bind (default: receiver.host)")
    parser.add_argument("--port", type=int, help="port to bind (default: receiver.port)")
    parser.add_argument(
        "--operator-port",
        type=int,
        help="port of the operator pages (default: receiver.operator_port, else --port + 1)",
    )
    parser.add_argument("--workers", type=int, help="worker processes (default: receiver.workers)")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.broker.is_memory:
        print(
            "connec-sync receiver: memory:// is in-process only; use `connec-sync run`",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    problem = refusal(settings.receiver)
    if problem:
        print(f"connec-sync receiver: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    # Until gunicorn's arbiter takes the signals over, a SIGTERM only records the request
    # (connec_sync.stopping), or waits blocked while this process becomes the gunicorn
    # master (commands/receiver_server.py); the arbiter stops gracefully in its own loop.
    stop = StopRequest()
    stop.install()
    try:
        status = _prepare(settings)
        if status or stop.requested:
            return status
        return receiver_server.replace_process(args, stop)  # serves from here on: same pid
    finally:
        stop.uninstall()


def _prepare(settings: Settings) -> int:
    store = Store.open(settings.store.url)
    try:
        store.link_configured(settings.organizations)
    finally:
        store.close()
    try:
        declare_all(settings.broker, COLLECTIONS)
    except BrokerUnavailable as error:
        print(f"connec-sync receiver: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if not settings.partner.webhook_secrets:
        logs.get_logger().warning(
            "partner_events_refused", reason="no partner.webhook_secrets configured"
        )
    return 0
