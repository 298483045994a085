"""`connec-sync sync (--group G | --all) [--entity E ...] [--full | --since TS] [--every D]`:
page through both APIs and publish every record to the backfill lanes (docs/sync.md)."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import Any

from commands.arguments import typed
from connec_sync.broker import BrokerUnavailable, declare_all, make_publisher
from connec_sync.broker.setup import names_for
from connec_sync.clients.connec import ConnecClient
from connec_sync.clients.http import RateGate
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest
from connec_sync.store import RunAlreadyGoing, Store
from mappers.registry import COLLECTIONS
from producers.sync import metrics as sync_metrics
from producers.sync.plan import Request, parse_timestamp
from producers.sync.progress import progress_for
from producers.sync.reader import Interrupted, Sources
from producers.sync.run import Runner
from producers.sync.schedule import parse_duration, run_every
from providers.registry import configured

EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_RUN_GOING = 1, 2, 3, 5
#: a 429's Retry-After up to this long is waited out in the sync process (consumers: 3 s)
RATE_LIMIT_WAIT_S = 120.0


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "sync",
        help="import, reconcile or re-sync organizations through the backfill lanes",
        description="First sync (no successful run yet): partner app then Connec!, entity by "
        "entity in dependency order. Otherwise incremental: records changed since the start of "
        "the last successful run minus sync.safety_margin_s. Exit status: 0 every run succeeded, "
        "1 a run failed, 5 a run was already going, 2 usage, 3 broker unreachable.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--group", help="Connec! group id (cld-...)")
    which.add_argument("--all", action="store_true", help="every enabled organization")
    parser.add_argument("--tenant", default="default", help="tenant of --group")
    parser.add_argument("--entity", action="append", default=[], choices=COLLECTIONS)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="read everything")
    mode.add_argument("--since", type=typed(parse_timestamp), metavar="TS", help="ISO-8601")
    parser.add_argument(
        "--every",
        type=typed(parse_duration),
        metavar="DURATION",
        help="repeat with jitter until SIGTERM (e.g. 15m, 1h)",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="after publishing, wait until the consumers applied every record (with progress)",
    )
    parser.add_argument("--metrics-port", type=int, metavar="N", help="serve /metrics on port N")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    with StopRequest.installed() as stop:  # a signal only records the request; runs check it
        return _sync(settings, args, stop)


def _sync(settings: Settings, args: argparse.Namespace, stop: StopRequest) -> int:
    try:
        declare_all(settings.broker, COLLECTIONS)
    except BrokerUnavailable as error:
        print(f"connec-sync sync: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if args.metrics_port:
        sync_metrics.serve(args.metrics_port)
    store = Store.open(settings.store.url)
    publisher = make_publisher(settings.broker)
    sources = _SourcesByTenant(settings, stop.event)
    try:
        store.link_configured(settings.organizations)
        names = names_for(settings.broker)
        runner = Runner(store, publisher, sources, names, settings.sync, stop.event)
        return _run_rounds(runner, store, settings, args)
    finally:
        sources.close()
        publisher.close()
        store.close()


def _run_rounds(runner: Runner, store: Store, settings: Settings, args: argparse.Namespace) -> int:
    runner.progress = progress_for()
    runner.wait_applied = args.wait
    if args.every is None:
        return round_of_syncs(runner, store, args)
    share = settings.sync.every_jitter_share
    return run_every(args.every, share, lambda: round_of_syncs(runner, store, args), runner.stop)


def round_of_syncs(runner: Runner, store: Store, args: argparse.Namespace) -> int:
    """One run per selected organization; the exit status of the round."""
    organizations = _selected(store, args)
    if organizations is None:
        return EXIT_USAGE
    request = Request(tuple(args.entity), args.full, args.since)
    statuses = [EXIT_FAILED] if not organizations and not args.all else []
    for organization in organizations:
        if runner.stop.is_set():
            break
        statuses.append(_run_one(runner, organization, request))
    return EXIT_FAILED if EXIT_FAILED in statuses else max(statuses, default=0)


def _run_one(runner: Runner, organization: Any, request: Request) -> int:
    where = f"{organization.tenant}/{organization.group_id}"
    try:
        finished = runner.run(organization, request)
    except RunAlreadyGoing as error:
        print(f"connec-sync sync: {where}: not started, {error}", file=sys.stderr)
        return EXIT_RUN_GOING
    if finished.state != "succeeded":
        print(
            f"connec-sync sync: {where}: run {finished.id} failed: {finished.error}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


def _selected(store: Store, args: argparse.Namespace) -> list[Any] | None:
    if args.all:
        return [org for org in store.organizations.all() if org.enabled]
    organization = store.organizations.by_group(args.tenant, args.group)
    if organization is None:
        print(f"connec-sync sync: no organization {args.tenant}/{args.group}", file=sys.stderr)
        return None
    if not organization.enabled:
        print(f"connec-sync sync: {args.tenant}/{args.group} is disabled", file=sys.stderr)
        return []
    return [organization]


def stoppable_sleep(stop: threading.Event) -> Callable[[float], None]:
    """The rate gate's pause (a Retry-After up to RATE_LIMIT_WAIT_S): a stop request ends it,
    and the run with it (recorded failed, `Interrupted`)."""

    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise Interrupted("stopped while waiting out a rate limit")

    return sleep


class _SourcesByTenant:
    """One Connec! client per tenant, one partner client (the configured provider's), one rate
    gate for the process."""

    def __init__(self, settings: Settings, stop: threading.Event) -> None:
        self._settings = settings
        self._gate = RateGate(max_wait_s=RATE_LIMIT_WAIT_S, sleep=stoppable_sleep(stop))
        self._provider = configured(settings)
        self._partner = self._provider.client(settings, self._gate)
        self._connec: dict[str, ConnecClient] = {}

    def __call__(self, organization: Any) -> Sources:
        tenant = organization.tenant
        if tenant not in self._connec:
            self._connec[tenant] = ConnecClient.from_settings(self._settings, tenant, self._gate)
        page_size = self._settings.sync.page_size
        return Sources(self._connec[tenant], self._partner, page_size, self._provider.entities)

    def close(self) -> None:
        for client in self._connec.values():
            client.close()
        self._partner.close()
