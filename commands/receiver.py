"""`connec-sync receiver`: the HTTP front door for Connec! notifications and partner events."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from typing import Any

import falcon

from connec_sync import logs
from connec_sync.broker import BrokerUnavailable, Publisher, declare_all, make_publisher
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest
from connec_sync.store import Store
from mappers.registry import COLLECTIONS
from operators import entities_page
from operators.status_page import add_status_routes, live_facts
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from providers.registry import configured

EXIT_CONFIG, EXIT_UNAVAILABLE = 2, 3


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "receiver",
        help="serve the webhook receiver (gunicorn)",
        description="Receive Connec! notifications and partner events and publish every record "
        "to RabbitMQ; answer 2xx only once the broker confirmed them all, 503 otherwise.",
    )
    parser.add_argument("--host", help="address to bind (default: receiver.host)")
    parser.add_argument("--port", type=int, help="port to bind (default: receiver.port)")
    parser.add_argument("--workers", type=int, help="worker processes (default: receiver.workers)")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.broker.is_memory:
        print(
            "connec-sync receiver: memory:// is in-process only; use `connec-sync run`",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    # Until gunicorn's arbiter takes the signals over, a SIGTERM only records the request
    # (connec_sync.stopping); the arbiter stops gracefully in its own loop.
    stop = StopRequest()
    stop.install()
    try:
        status = _prepare(settings)
        if status or stop.requested:
            return status
        return _serve(settings, args, stop)
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


def _serve(settings: Settings, args: argparse.Namespace, stop: StopRequest) -> int:
    from producers.gunicorn_app import ReceiverServer
    from producers.receiver.metrics import enable_multiprocess

    metrics_dir = tempfile.mkdtemp(prefix="connec-sync-metrics-")
    master, status = os.getpid(), 0
    enable_multiprocess(metrics_dir)
    try:
        server = ReceiverServer(
            settings,
            build_worker_app,
            host=args.host or settings.receiver.host,
            port=args.port or settings.receiver.port,
            workers=args.workers or settings.receiver.workers,
            on_starting=lambda: _hand_over(stop),
        )
        server.run()
    except SystemExit as ended:  # how gunicorn ends the master and each worker
        if os.getpid() != master:
            raise  # a worker leaves the way gunicorn makes it
        status = ended.code if isinstance(ended.code, int) else int(ended.code is not None)
    finally:
        # gunicorn's workers leave through here too (SystemExit after the fork): only the
        # master removes the directory the others share
        if os.getpid() == master:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    _end_master(status)
    return status


def _end_master(status: int) -> None:
    """The master has closed everything it opened: it ends without the interpreter's
    finalization, whose garbage collection once held a stopped master past its 10 s (a stack
    dump of `Garbage-collecting`, no Python frame, in the stop stress test)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(status)


def _hand_over(stop: StopRequest) -> None:
    """Just before gunicorn's arbiter installs its own signal handlers: give the signals back
    and end at once if a stop was asked for during the start-up."""
    stop.uninstall()
    if stop.requested:
        raise SystemExit(0)


def build_worker_app(settings: Settings) -> tuple[Any, list[Any]]:
    """One worker's composition: store, publisher, metrics and the falcon app."""

    store = Store.open(settings.store.url)
    publisher = make_publisher(settings.broker)
    publisher.start()
    app = receiver_app(settings, store, publisher, ReceiverMetrics())
    return app, [publisher, store]


def receiver_app(
    settings: Settings, store: Any, publisher: Publisher, metrics: ReceiverMetrics
) -> falcon.App:
    """What the receiver process serves: the webhook app (producers.receiver) and the
    operators' status page (`/status`, `/status.json`) and the catalogue of shared entities
    (`/entities`, `/entities.json`) beside it."""
    app = create_app(settings, store, publisher, metrics)
    add_status_routes(app, live_facts(settings, store))
    entities = entities_page.live_facts(configured(settings), store)
    entities_page.add_entities_routes(app, entities)
    return app
