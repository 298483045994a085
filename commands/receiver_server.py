"""The receiver's gunicorn master: `connec-sync receiver` prepares (store schema, organizations,
queues), then replaces itself (same pid) with `python -m commands.receiver_server`, which serves.

Why a process image of its own: gunicorn forks its workers from the master, so every module the
master imported is resident in each of them. The command's process has imported the whole CLI
(every command, SQLAlchemy, the providers' API clients, kombu): ~63 MB in each of the three
processes. This master imports gunicorn, the settings and the logs only; each worker imports
what the webhooks need after the fork (commands/receiver_worker.py), without SQLAlchemy or
`requests` (README "Receiver memory").

Stopping: the command blocks SIGTERM and SIGINT before it replaces itself, and this process
unblocks them once its StopRequest is installed, so a stop asked for in between is not lost.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from connec_sync import logs
from connec_sync.settings import Settings
from connec_sync.stopping import STOP_SIGNALS, StopRequest, enable_stack_dumps, end_now

EXIT_CONFIG = 2


def arguments(args: argparse.Namespace) -> list[str]:
    """The command line of this module for the receiver command's parsed `args`."""
    line = ["--config", args.config] if args.config else []
    line += ["--log-level", args.log_level]
    for option in ("host", "port", "operator_port", "workers"):
        value = getattr(args, option)
        if value is not None:
            line += [f"--{option.replace('_', '-')}", str(value)]
    return line


def replace_process(args: argparse.Namespace, stop: StopRequest) -> int:
    """Become the master (never returns), unless a stop was asked for first (returns 0)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # pending from here, across exec
    stop.uninstall()
    if stop.requested:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        return 0
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    command = [sys.executable, "-m", "commands.receiver_server", *arguments(args)]
    os.execv(sys.executable, command)  # noqa: S606 - this interpreter, our own module


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connec-sync receiver (master)")
    parser.add_argument("--config")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--host")
    for option in ("--port", "--operator-port", "--workers"):
        parser.add_argument(option, type=int)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    enable_stack_dumps()
    args = _parser().parse_args(argv)
    stop = StopRequest()
    stop.install()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # a stop asked for meanwhile
    try:
        settings = Settings.from_file(args.config)
        logs.configure(args.log_level)
        if stop.requested:
            return 0
        return serve(settings, args, stop)
    finally:
        stop.uninstall()


def serve(settings: Settings, args: argparse.Namespace, stop: StopRequest) -> int:
    from producers.gunicorn_app import ReceiverServer
    from producers.receiver.multiprocess import enable_multiprocess

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
            _build_worker_app,
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


def _build_worker_app(settings: Settings) -> tuple[Any, list[Any]]:
    """In a worker, after the fork: only then are the webhooks' modules imported."""
    from commands.receiver_worker import build_worker_app

    return build_worker_app(settings)


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


if __name__ == "__main__":
    sys.exit(main())
