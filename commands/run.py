"""`connec-sync run`: the all-in-one demo (in-memory broker unless one is configured)."""

from __future__ import annotations

import argparse
from typing import Any

from commands.demo import system
from connec_sync import logs
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="the all-in-one demo: sandboxes, receiver and consumers in one process",
        description="Start both sandboxes seeded with a few customers' books, the receiver and "
        "every consumer in one process, and simulated users editing records on both sides. "
        "The broker is in memory (not durable) unless CONNEC_SYNC_BROKER_URL or a settings "
        "file names one. Stop with Ctrl-C.",
    )
    parser.add_argument("--receiver-port", type=int, default=None, help="default: receiver.port")
    parser.add_argument("--connec-port", type=int, default=8081)
    parser.add_argument("--partner-port", type=int, default=8082)
    parser.add_argument("--for", dest="duration_s", type=float, help="stop after N seconds")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Until SIGTERM or SIGINT (connec_sync.stopping: a signal only records the request, also
    during the start-up) or `--for` seconds; then stop every part in order."""
    with StopRequest.installed() as stop:
        demo = system.start(settings, _ports(settings, args), stop.event)
        try:
            if not stop.requested:
                _announce(demo)
            stop.wait(args.duration_s)
            logs.get_logger("demo").info("demo_stopping", reason=stop.reason)
        finally:
            system.stop(demo)
    return 0


def _ports(settings: Settings, args: argparse.Namespace) -> tuple[int, int, int]:
    return (args.receiver_port or settings.receiver.port, args.connec_port, args.partner_port)


def _announce(demo: system.Demo) -> None:
    log = logs.get_logger("demo")
    if demo.settings.broker.is_memory:
        log.warning(
            "broker_in_memory", durable=False, note="set CONNEC_SYNC_BROKER_URL for RabbitMQ"
        )
    log.info(
        "demo_started",
        status_page=f"{demo.receiver_url}/status",
        connec_sandbox=demo.connec.url,
        partner_sandbox=demo.partner.url,
    )
    print(f"\n  connec-sync demo running. Status page: {demo.receiver_url}/status\n", flush=True)
