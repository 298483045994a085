"""`connec-sync consume [ENTITY ...] [--direction ...] [--metrics-port N]`: a consumer process."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from connec_sync import logs
from connec_sync.broker import open_broker
from connec_sync.broker.setup import names_for
from connec_sync.clients.http import RateGate
from connec_sync.crash import FaultPoints
from connec_sync.naming import DIRECTIONS, Route
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest
from connec_sync.store import Store
from consumers import metrics
from consumers.pipeline import ConsumerServices, consumer_parts
from consumers.runtime import Worker, run_until_signalled
from consumers.runtime.affinity import pin_to_free_cpu
from consumers.runtime.collecting import freeze_start_up_objects
from mappers.registry import COLLECTIONS

#: exit status for a usage error (unknown entity)
EXIT_USAGE = 2


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "consume",
        help="apply queued records for some entities (run any number of replicas)",
        description="Consume the live and backfill lanes of the named entities (default: all) "
        "and apply each record to its target. Replicas share the work; SIGTERM stops taking "
        "messages, finishes and acks the ones received, and exits within 10 s.",
    )
    parser.add_argument("entities", nargs="*", metavar="ENTITY", help=f"one of {COLLECTIONS}")
    parser.add_argument("--direction", choices=(*DIRECTIONS, "both"), default="both")
    parser.add_argument("--metrics-port", type=int, metavar="N", help="serve /metrics on port N")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    unknown = sorted(set(args.entities) - set(COLLECTIONS))
    if unknown:
        print(f"connec-sync consume: unknown entity {', '.join(unknown)}", file=sys.stderr)
        return EXIT_USAGE
    entities = args.entities or list(COLLECTIONS)
    directions = DIRECTIONS if args.direction == "both" else (args.direction,)
    names = names_for(settings.broker)
    routes = [names.route(entity, direction) for entity in entities for direction in directions]
    with StopRequest.installed() as stop:  # from here on, SIGTERM only records the request
        return _consume(settings, args, routes, stop)


def _consume(
    settings: Settings, args: argparse.Namespace, routes: list[Route], stop: StopRequest
) -> int:
    log = logs.get_logger()
    if settings.broker.is_memory:
        log.warning(
            "broker_in_memory", durable=False, note="messages are lost when the process ends"
        )
    if settings.broker.pin_cpu:
        log.info("consumer_cpu", cpu=pin_to_free_cpu())
    store = Store.open(settings.store.url)
    try:
        store.link_configured(settings.organizations)
        services = ConsumerServices(settings, store, RateGate(), FaultPoints.from_environ())
        handlers, background = consumer_parts(services, routes)
        if args.metrics_port:
            metrics.serve(args.metrics_port)
        broker = open_broker(settings.broker, COLLECTIONS)  # every process declares it all
        worker = Worker(settings.broker, handlers, broker=broker, background=background)
        freeze_start_up_objects()  # full collections scan only what consuming makes
        return run_until_signalled(worker, stop)
    finally:
        store.close()
