"""`connec-sync poll [--once] [--every DURATION] [--metrics-port N]`: the polling change source
of a partner app that sends no events (its provider's change source is `poll`): read what
changed in each linked account since the cursor in the store and publish it to the to-connec
queues (producers/poll/)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from commands.arguments import typed
from connec_sync import logs
from connec_sync.broker import BrokerUnavailable, declare_all, make_publisher
from connec_sync.broker.setup import names_for
from connec_sync.clients.http import RateGate
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest
from connec_sync.store import Store
from mappers.registry import COLLECTIONS
from producers.poll import metrics
from producers.poll.poller import Interrupted, Poller
from producers.sync.schedule import parse_duration, run_every
from providers.interface import POLL
from providers.registry import configured

EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3
#: each pause between two polls is the interval plus or minus this share of it
JITTER_SHARE = 0.1

log = logs.get_logger(__name__)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "poll",
        help="read what changed in a polled partner app and publish it to the to-connec queues",
        description="For a partner app that sends no events (e.g. Tryton): per linked account "
        "and entity, read the records changed since the cursor kept in the store and publish "
        "them; every deletes_every polls, publish a deletion for each linked record gone. "
        "Repeats every poll interval (the provider's setting) until SIGTERM unless --once. "
        "Exit status: 0 done, 1 a poll failed, 2 usage (the provider is not polled), 3 broker "
        "unreachable.",
    )
    parser.add_argument("--once", action="store_true", help="one poll of every account, then exit")
    parser.add_argument(
        "--every",
        type=typed(parse_duration),
        metavar="DURATION",
        help="the pause between two polls (default: the provider's poll interval)",
    )
    parser.add_argument("--metrics-port", type=int, metavar="N", help="serve /metrics on port N")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    provider = configured(settings)
    if provider.change_source != POLL or provider.changes is None or provider.poll_timing is None:
        print(
            f"connec-sync poll: provider {provider.name!r} pushes its changes; nothing to poll",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        declare_all(settings.broker, COLLECTIONS)
    except BrokerUnavailable as error:
        print(f"connec-sync poll: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if args.metrics_port:
        metrics.serve(args.metrics_port)
    store = Store.open(settings.store.url)
    publisher = make_publisher(settings.broker)
    reader = provider.changes(settings, RateGate())
    try:
        store.link_configured(settings.organizations)
        timing = provider.poll_timing(settings)
        names = names_for(settings.broker)
        poller = Poller(store, publisher, reader, provider, names, timing, settings.sync.page_size)
        with StopRequest.installed() as stop:  # a signal only records the request
            stop.on_stop(poller.stop.set)
            if args.once:
                return one_round(poller)
            interval = args.every or timing.interval_s
            return run_every(interval, JITTER_SHARE, lambda: one_round(poller), poller.stop)
    finally:
        reader.close()
        publisher.close()
        store.close()


def one_round(poller: Poller) -> int:
    """One poll of every account; 1 when it failed (logged; the next round starts again from
    the cursors kept)."""
    try:
        done = poller.poll_all()
    except Interrupted:
        log.info("poll_interrupted")
        return 0
    except Exception as error:  # noqa: BLE001 - a failed round is logged; the next one resumes
        log.exception("poll_failed", error=f"{type(error).__name__}: {error}")
        return EXIT_FAILED
    log.info("poll_round_done", accounts=len(done))
    return 0
