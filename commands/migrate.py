"""`connec-sync migrate`: create or upgrade the store's schema (every process does it at start)."""

from __future__ import annotations

import argparse
from typing import Any

from connec_sync import logs
from connec_sync.settings import Settings
from connec_sync.store import Store
from operators.status import redact_url


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "migrate",
        help="create or upgrade the store's schema",
        description="Create the store's tables or upgrade an existing database without loss, then "
        "link the [[organizations]] of the settings file. Safe to run any number of times.",
    )
    parser.set_defaults(handler=run)


def run(settings: Settings, _args: argparse.Namespace) -> int:
    store = Store.open(settings.store.url)
    try:
        store.link_configured(settings.organizations)
    finally:
        store.close()
    logs.get_logger().info("store_migrated", store=redact_url(settings.store.url))
    return 0
