"""`connec-sync run`: the all-in-one demo (in-memory broker unless one is configured)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from commands import EXIT_CONFIG
from commands.demo import system
from commands.demo.partners import LocalAppMissing
from connec_sync import logs
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest
from operators.access import refusal
from providers.registry import PROVIDERS, configured, provider


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
    parser.add_argument(
        "--operator-port", type=int, default=None, help="default: receiver.operator_port"
    )
    parser.add_argument("--connec-port", type=int, default=8082)
    parser.add_argument("--partner-port", type=int, default=8083)
    parser.add_argument("--for", dest="duration_s", type=float, help="stop after N seconds")
    parser.add_argument(
        "--partner",
        choices=sorted(PROVIDERS),
        help="the partner app to run beside the Connec! sandbox (default: partner.provider): "
        "demoapp runs its sandbox, tryton a real Tryton (the `tryton` extra)",
    )
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Until SIGTERM or SIGINT (connec_sync.stopping: a signal only records the request, also
    during the start-up) or `--for` seconds; then stop every part in order."""
    chosen = provider(args.partner) if args.partner else configured(settings)
    problem = refusal(settings.receiver)
    if problem:
        print(f"connec-sync run: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    with StopRequest.installed() as stop:
        try:
            demo = system.start(settings, _ports(settings, args), chosen, stop.event)
        except LocalAppMissing as missing:
            print(f"connec-sync run: --partner {chosen.name}: {missing}", file=sys.stderr)
            return EXIT_CONFIG
        try:
            if not stop.requested:
                _announce(demo, chosen.name)
            stop.wait(args.duration_s)
            logs.get_logger("demo").info("demo_stopping", reason=stop.reason)
        finally:
            system.stop(demo)
    return 0


def _ports(settings: Settings, args: argparse.Namespace) -> tuple[int, int, int, int]:
    """The receiver's webhook and operator ports, the Connec! and partner sandboxes' ports."""
    receiver_port = args.receiver_port or settings.receiver.port
    operator_port = args.operator_port or settings.receiver.operator_port or receiver_port + 1
    return receiver_port, operator_port, args.connec_port, args.partner_port


def _announce(demo: system.Demo, partner: str) -> None:
    log = logs.get_logger("demo")
    if demo.settings.broker.is_memory:
        log.warning(
            "broker_in_memory", durable=False, note="set CONNEC_SYNC_BROKER_URL for RabbitMQ"
        )
    log.info(
        "demo_started",
        status_page=f"{demo.operator_url}/status",
        receiver=demo.receiver_url,
        connec_sandbox=demo.connec.url,
        partner=partner,
        partner_app=demo.partner.url,
    )
    print(f"\n  connec-sync demo running. Status page: {demo.operator_url}/status\n", flush=True)
