"""`connec-sync entities [--json | --markdown]`: the catalogue of shared entities (the service is
operators.catalogue; this module reads the linked organizations and prints)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from connec_sync.settings import Settings
from connec_sync.store import Store
from operators.catalogue import organization_name, render_markdown, shared_entities
from operators.organizations import linked
from providers.registry import configured


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "entities",
        help="the catalogue of shared entities, field by field",
        description="Every entity shared with the configured partner app, in dependency order: "
        "its Connec! collection and partner resource, the directions each linked organization "
        "has switched on, and every mapped field both ways (conversion, read-only or "
        "write-only, references and what they wait for). docs/shared-entities.md is the "
        "--markdown output.",
    )
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print one JSON document")
    shape.add_argument("--markdown", action="store_true", help="print Markdown")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    store = Store.open(settings.store.url)
    try:
        facts = shared_entities(configured(settings), linked(store))
    finally:
        store.close()
    if args.json:
        print(json.dumps(facts, indent=2))
    elif args.markdown:
        print(render_markdown(facts), end="")
    else:
        print(render_text(facts))
    return 0


def render_text(facts: dict[str, Any]) -> str:
    lines = [f"partner app {facts['provider']} ({facts['change_source']})", ""]
    for entity in facts["entities"]:
        carried = ", ".join(entity["carried"]) or "not carried"
        lines.append(f"{entity['collection']} <-> {entity['resource']}  [{carried}]")
        for field in entity["fields"]:
            partner = field["partner"] or "-"
            extra = "; ".join(part for part in (field["conversion"], field["note"]) if part)
            suffix = f"  ({extra})" if extra else ""
            lines.append(f"  {field['connec']} <-> {partner}  {field['flow']}{suffix}")
    for org in facts["organizations"]:
        pairs = " ".join(f"{e}={d}" for e, d in org["entities"].items())
        lines.append(f"{organization_name(org)}: {pairs}")
    return "\n".join(lines)
