"""`connec-sync topology`: declare every exchange and queue (idempotent)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from connec_sync import logs
from connec_sync.broker import BrokerUnavailable, declare_all
from connec_sync.settings import Settings
from mappers.registry import COLLECTIONS

#: exit status when the broker cannot be reached
EXIT_UNAVAILABLE = 3


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "topology",
        help="declare every exchange and queue (idempotent)",
        description="Declare the work, backfill, retry and dead-letter queues of every entity "
        "and direction, with their exchanges and bindings. Safe to run any number of times.",
    )
    parser.set_defaults(handler=run)


def run(settings: Settings, _args: argparse.Namespace) -> int:
    try:
        count = declare_all(settings.broker, COLLECTIONS)
    except BrokerUnavailable as error:
        print(f"connec-sync topology: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    logs.get_logger().info("topology_declared", queues=count, namespace=settings.broker.namespace)
    return 0
