"""`connec-sync` (also `python -m commands`): one console command; each subcommand is the
composition root of its process, the one layer that wires roles (producers, consumers,
operators) to the foundation."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from connec_sync import logs, stopping
from connec_sync.settings import Settings, SettingsError
from connec_sync.stopping import enable_stack_dumps

#: modules under commands that each add subcommands with `register(subparsers)`
COMMAND_MODULES = (
    "topology",
    "status",
    "dead_letters",
    "migrate",
    "orgs",
    "entities",
    "sandbox",
    "receiver",
    "publish_events",
    "consume",
    "sync",
    "poll",
    "run",
    "trace",
    "mapping",
)

#: exit status for a configuration error (missing, unknown or malformed setting)
EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="connec-sync",
        description="Two-way, real-time record sharing between Connec! and a partner app.",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="settings file (default: $CONNEC_SYNC_CONFIG)"
    )
    parser.add_argument("--log-level", default="info", help="debug, info, warning or error")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"commands.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    enable_stack_dumps()  # `kill -ABRT <pid>`: a stuck process prints every thread's stack
    args = build_parser().parse_args(argv)
    # here, not at the top: `python -m commands.receiver_server` imports this package and no
    # provider (the receiver's master stays lean: commands/receiver_server.py)
    from providers.registry import UnknownProvider, configured

    try:
        settings = Settings.from_file(args.config)
        configured(settings)
    except (SettingsError, UnknownProvider) as error:
        print(f"connec-sync: {error}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        logs.configure(args.log_level)
    except ValueError as error:
        print(f"connec-sync: --log-level: {error}", file=sys.stderr)
        return EXIT_CONFIG
    return int(args.handler(settings, args) or 0)


def entry() -> None:
    """The `connec-sync` console script and `python -m commands`: `main`, then the exit. A
    process that was asked to stop has closed what it opened when its command returns: it ends
    without the interpreter's finalization (connec_sync.stopping.end_now), whose garbage
    collection held stopped processes past their 10 s under load (the receiver's master, then
    `sync --every`, in the stop stress test)."""
    status = main()
    if stopping.stopped():
        stopping.end_now(status)
    sys.exit(status)
