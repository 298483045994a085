"""`connec-sync orgs list | link | unlink | set`: linked organizations and their switches (the
service is operators.organizations; this module reads the arguments and prints)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from connec_sync.settings import CONFLICT_POLICIES, DIRECTIONS, Settings
from connec_sync.store import Store
from operators import organizations
from operators.organizations import OrganizationNotFound

EXIT_USAGE = 2
EXIT_NOT_FOUND = 4


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "orgs",
        help="list, link, unlink and configure organizations",
        description="Linked organizations: a Connec! group and its partner account, per-entity "
        "directions, on/off, and the conflict winner. Running consumers see a change within 30 s.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list linked organizations")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_orgs)
    link = actions.add_parser("link", help="link a Connec! group to a partner account")
    link.add_argument("--tenant", default="default")
    link.add_argument("--group", required=True, help="Connec! group id (cld-...)")
    link.add_argument("--account", required=True, help="partner account id (the realm)")
    _add_switches(link, default_entities=True)
    link.set_defaults(handler=link_org)
    unlink = actions.add_parser("unlink", help="forget an organization and its id map")
    _add_selector(unlink)
    unlink.add_argument("--yes", action="store_true", help="confirm: its id map is deleted too")
    unlink.set_defaults(handler=unlink_org)
    change = actions.add_parser("set", help="change an organization's switches")
    _add_selector(change)
    _add_switches(change, default_entities=False)
    change.set_defaults(handler=set_org)


def _add_selector(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant", default="default")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--group", help="Connec! group id")
    which.add_argument("--account", help="partner account id")


def _add_switches(parser: argparse.ArgumentParser, default_entities: bool) -> None:
    parser.add_argument(
        "--entity",
        action="append",
        default=[],
        metavar="ENTITY=DIRECTION",
        help=f"direction of one entity: {', '.join(DIRECTIONS)}"
        + (" (default: every entity both ways)" if default_entities else ""),
    )
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_true", default=None)
    state.add_argument("--disable", dest="enabled", action="store_false")
    parser.add_argument("--conflict-winner", choices=CONFLICT_POLICIES)


def _with_store(settings: Settings, action: Any) -> int:
    store = Store.open(settings.store.url)
    try:
        return int(action(store))
    except OrganizationNotFound as error:
        print(f"connec-sync orgs: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except ValueError as error:
        print(f"connec-sync orgs: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.close()


def list_orgs(settings: Settings, args: argparse.Namespace) -> int:
    def action(store: Store) -> int:
        orgs = organizations.linked(store)
        if args.json:
            print(json.dumps(orgs, indent=2))
        for org in [] if args.json else orgs:
            state = "enabled" if org["enabled"] else "disabled"
            pairs = " ".join(f"{e}={d}" for e, d in sorted(org["entities"].items()))
            print(
                f"{org['tenant']}/{org['group_id']} <-> {org['account']} {state} "
                f"winner={org['conflict_winner']} {pairs}"
            )
        return 0

    return _with_store(settings, action)


def link_org(settings: Settings, args: argparse.Namespace) -> int:
    def action(store: Store) -> int:
        org = organizations.link(
            store,
            tenant=args.tenant,
            group_id=args.group,
            account=args.account,
            entities=args.entity,
            enabled=args.enabled,
            conflict_winner=args.conflict_winner,
        )
        print(json.dumps(org.settings()))
        return 0

    return _with_store(settings, action)


def unlink_org(settings: Settings, args: argparse.Namespace) -> int:
    def action(store: Store) -> int:
        org = organizations.find(store, args.tenant, args.group, args.account)
        organizations.unlink(store, org, confirmed=args.yes)
        print(json.dumps({"unlinked": org.settings()}))
        return 0

    return _with_store(settings, action)


def set_org(settings: Settings, args: argparse.Namespace) -> int:
    def action(store: Store) -> int:
        org = organizations.find(store, args.tenant, args.group, args.account)
        changed = organizations.change(
            store,
            org,
            entities=args.entity,
            enabled=args.enabled,
            conflict_winner=args.conflict_winner,
        )
        print(json.dumps(changed.settings()))
        return 0

    return _with_store(settings, action)
