"""`connec-sync receiver`: the HTTP front door for Connec! notifications and partner events."""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
from typing import Any

import falcon

from connec_sync import logs
from connec_sync.broker import BrokerUnavailable, Publisher, declare_all, make_publisher
from connec_sync.http_server import PortDispatch
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest, end_now
from connec_sync.store import Store
from mappers.registry import COLLECTIONS
from operators import entities_page
from operators.access import refusal
from operators.pages import create_operator_app
from operators.status_page import live_facts
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from producers.receiver.service import MetricsResource, OpenApiResource
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

    settings, binds = _binds(settings, args)
    if settings.receiver.port == settings.receiver.operator_port:
        print("connec-sync receiver: the operator port must differ from --port", file=sys.stderr)
        return EXIT_CONFIG
    logs.get_logger().info("receiver_binding", webhooks=binds[0], operator_pages=binds[1])
    metrics_dir = tempfile.mkdtemp(prefix="connec-sync-metrics-")
    master, status = os.getpid(), 0
    enable_multiprocess(metrics_dir)
    try:
        server = ReceiverServer(
            settings,
            build_worker_app,
            binds=binds,
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
    # closed everything it opened: no finalization, whose garbage collection once held a
    # stopped master past its 10 s (connec_sync.stopping.end_now)
    end_now(status)


def _hand_over(stop: StopRequest) -> None:
    """Just before gunicorn's arbiter installs its own signal handlers: give the signals back
    and end at once if a stop was asked for during the start-up."""
    stop.uninstall()
    if stop.requested:
        raise SystemExit(0)


def _binds(settings: Settings, args: argparse.Namespace) -> tuple[Settings, list[str]]:
    """The settings with the ports the options chose, and the two `host:port` to listen on."""
    receiver = settings.receiver
    port = args.port or receiver.port
    operator_port = args.operator_port or receiver.operator_port or port + 1
    chosen = dataclasses.replace(receiver, port=port, operator_port=operator_port)
    binds = [f"{args.host or receiver.host}:{port}", f"{receiver.operator_host}:{operator_port}"]
    return dataclasses.replace(settings, receiver=chosen), binds


def build_worker_app(settings: Settings) -> tuple[Any, list[Any]]:
    """One worker's composition: store, publisher, metrics and the two apps, told apart by the
    port the request came in on."""

    store = Store.open(settings.store.url)
    publisher = make_publisher(settings.broker)
    publisher.start()
    webhooks, operators = receiver_apps(settings, store, publisher, ReceiverMetrics())
    app = PortDispatch(webhooks, {settings.receiver.operator_bind_port: operators})
    return app, [publisher, store]


def receiver_apps(
    settings: Settings, store: Any, publisher: Publisher, metrics: ReceiverMetrics
) -> tuple[falcon.App, falcon.App]:
    """What the receiver process serves: the webhook app (producers.receiver) for the webhook
    port, and the operator pages for the operator port."""
    return create_app(settings, store, publisher, metrics), operator_app(settings, store, metrics)


def operator_app(settings: Settings, store: Any, metrics: ReceiverMetrics) -> falcon.App:
    """The status page, the trace search, the catalogue of shared entities (`/entities`,
    `/entities.json`), metrics and the OpenAPI description, behind the operator password."""
    app = create_operator_app(settings.receiver, live_facts(settings, store), store)
    app.add_route("/metrics", MetricsResource(metrics))
    app.add_route("/openapi.yaml", OpenApiResource())
    entities = entities_page.live_facts(configured(settings), store)
    entities_page.add_entities_routes(app, entities)
    return app
