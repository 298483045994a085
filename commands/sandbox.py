"""`connec-sync sandbox connec|partner`: serve one of the two outside systems in the foreground."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from connec_sync import logs
from connec_sync.http_server import serve_in_thread
from connec_sync.settings import Settings
from connec_sync.stopping import StopRequest
from sandboxes import connec, partner

#: credentials used when the settings name no tenant / no partner token
FALLBACK_TENANT = ("default", "sandbox-api-id", "sandbox-api-key")
FALLBACK_TOKEN = "sandbox-token"  # noqa: S105 (the sandbox's public default)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sandbox", help="serve a stateful Connec! or partner sandbox")
    kinds = parser.add_subparsers(dest="sandbox", metavar="SANDBOX", required=True)
    _register_connec(kinds.add_parser("connec", help="the Connec! sandbox (default port 8081)"))
    _register_partner(kinds.add_parser("partner", help="the partner sandbox (default port 8082)"))


def _register_connec(parser: argparse.ArgumentParser) -> None:
    notify = "receiver base URL to notify at /maestrano/connec/notifications/{tenant}"
    _common(parser, 8081, notify)
    parser.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="GROUP:TENANT",
        help="add a group (repeatable; groups in the settings are added too)",
    )
    parser.set_defaults(handler=lambda settings, args: _run(_connec, settings, args))


def _register_partner(parser: argparse.ArgumentParser) -> None:
    _common(parser, 8082, "receiver base URL to send signed events to at /app/events")
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        help="add an account (repeatable; accounts in the settings too)",
    )
    parser.add_argument(
        "--events-for-api-writes",
        action="store_true",
        help="also emit events for writes made through the API",
    )
    parser.set_defaults(handler=lambda settings, args: _run(_partner, settings, args))


def _common(parser: argparse.ArgumentParser, port: int, notify_help: str) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--notify", metavar="URL", help=notify_help)
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault knobs and ids")
    parser.add_argument("--window", type=float, default=0.2, help="webhook buffer window (s)")


#: builds a sandbox's (app, state) from the settings and arguments, or None after a usage error
Build = Callable[[Settings, argparse.Namespace], "tuple[Any, Any] | None"]


def _run(build: Build, settings: Settings, args: argparse.Namespace) -> int:
    """Build and serve until SIGTERM or SIGINT (connec_sync.stopping; a signal during the
    start-up only records the request), then close the server and the webhook sender."""
    with StopRequest.installed() as stop:
        built = build(settings, args)
        if built is None:
            return 2
        app, state = built
        try:
            server = serve_in_thread(app, args.host, args.port)
            try:
                stop.wait()
                logs.get_logger("sandbox").info("sandbox_stopping", reason=stop.reason)
            finally:
                server.stop()
        finally:
            state.close()
    return 0


def _connec(settings: Settings, args: argparse.Namespace) -> tuple[Any, Any]:
    log = logs.get_logger("sandbox")
    tenants = {name: (t.api_id, t.api_key) for name, t in settings.connec.tenants.items()}
    if not tenants:
        name, api_id, api_key = FALLBACK_TENANT
        tenants = {name: (api_id, api_key)}
        log.warning("sandbox_tenant_defaulted", tenant=name, api_id=api_id, api_key=api_key)
    state = connec.ConnecSandbox(tenants, seed=args.seed, window_s=args.window)
    groups = [(o.group_id, o.tenant) for o in settings.organizations]
    groups += [
        tuple(spec.split(":", 1)) if ":" in spec else (spec, next(iter(tenants)))
        for spec in args.group
    ]
    for group_id, tenant in groups:
        state.add_group(group_id, tenant)
    if args.notify:
        state.subscribe_receiver(args.notify)
    log.info(
        "sandbox_started",
        sandbox="connec",
        url=f"http://{args.host}:{args.port}",
        groups=[g for g, _ in groups],
        notify=args.notify,
    )
    return connec.build_app(state), state


def _partner(settings: Settings, args: argparse.Namespace) -> tuple[Any, Any] | None:
    log = logs.get_logger("sandbox")
    if args.notify and not settings.partner.webhook_secrets:
        log.error("sandbox_secret_missing", setting="partner.webhook_secrets")
        return None
    token = settings.partner.api_token or FALLBACK_TOKEN
    if not settings.partner.api_token:
        log.warning("sandbox_token_defaulted", token=token)
    accounts = [o.account for o in settings.organizations] + list(args.account)
    state = partner.PartnerSandbox(
        (token,),
        accounts=accounts,
        seed=args.seed,
        window_s=args.window,
        events_for_api_writes=args.events_for_api_writes,
    )
    if args.notify:
        state.subscribe(
            f"{args.notify.rstrip('/')}/app/events", settings.partner.webhook_secrets[0]
        )
    log.info(
        "sandbox_started",
        sandbox="partner",
        url=f"http://{args.host}:{args.port}",
        accounts=accounts,
        notify=args.notify,
    )
    return partner.build_app(state), state
