"""`connec-sync mapping check`: replay the records kept by lineage (or a file of envelopes)
through the mapping as it is now, writing nothing, and tell per record and field what would be
written differently from what was written, and which records would now fail (invalid, missing
reference), with the reasons."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from mappers import InvalidRecord, MappingContext, MissingReference, connec_id
from mappers.api import Mapper
from schemas.envelope import Envelope, UndecodableMessage, decode

SAME, CHANGED, NEW, FAILS, UNCHECKED = "same", "changed", "new", "fails", "unchecked"


class NotInConnec(Exception):
    """A partner record refers to one not linked to Connec! yet (the consumer would wait)."""


def kept(store: Any, since: datetime, entity: str | None) -> list[tuple[Envelope, Any]]:
    """The newest version of each record received since `since`, with the body written for
    it (None: never written), from lineage."""
    newest: dict[tuple[str, str, str], Envelope] = {}
    for row in store.lineage.received_since(since, entity):
        envelope = decode(row["envelope"])
        newest[(envelope.entity, envelope.direction, _source_id(envelope))] = envelope
    written = store.lineage.written(e.message_id for e in newest.values())
    return [
        (e, (written.get(e.message_id) or {}).get("details", {}).get("written", {}).get("body"))
        for e in newest.values()
    ]


def from_file(path: Path, entity: str | None) -> list[tuple[Envelope, Any]]:
    """Envelopes from a file (a JSON array, or one envelope per line); nothing written."""
    text = path.read_text()
    items = json.loads(text) if text.lstrip().startswith("[") else text.splitlines()
    envelopes = [
        decode(json.dumps(item) if isinstance(item, dict) else item) for item in items if item
    ]
    return [(e, None) for e in envelopes if entity in (None, e.entity)]


def check(
    store: Any, mapper: Mapper, provider: str, records: Iterable[tuple[Envelope, Any]]
) -> list[dict]:
    """One verdict per record through `mapper` (the configured provider's, as it is now):
    same, changed (with the fields), new, fails (with the reason), or unchecked (its
    organization is not linked)."""
    return [_checked(store, mapper, provider, envelope, was) for envelope, was in records]


def _checked(
    store: Any, mapper: Mapper, provider: str, envelope: Envelope, was: Any
) -> dict[str, Any]:
    found = {
        "entity": envelope.entity,
        "direction": envelope.direction,
        "record_id": _source_id(envelope),
        "message_id": envelope.message_id,
        "version": envelope.updated_at,
    }
    organization = _organization(store, envelope)
    if organization is None:
        return found | {"verdict": UNCHECKED, "reason": "organization_not_linked", "changes": []}
    try:
        now = _mapped(store, mapper, provider, organization, envelope)
    except InvalidRecord as invalid:
        error = json.dumps(invalid.errors, sort_keys=True, default=str)
        return found | {"verdict": FAILS, "reason": "invalid", "error": error, "changes": []}
    except (MissingReference, NotInConnec) as missing:
        reason = {"reason": "missing_reference", "error": str(missing)}
        return found | {"verdict": FAILS, **reason, "changes": []}
    if was is None:
        return found | {"verdict": NEW, "changes": field_changes({}, now)}
    changes = field_changes(was, now)
    return found | {"verdict": CHANGED if changes else SAME, "changes": changes}


def field_changes(was: dict[str, Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    """Per field whose value differs: `{"field", "was", "now"}` (missing on one side: None)."""
    return [
        {"field": name, "was": was.get(name), "now": now.get(name)}
        for name in sorted(set(was) | set(now))
        if _canonical(was.get(name)) != _canonical(now.get(name))
    ]


def _mapped(
    store: Any, mapper: Mapper, provider: str, organization: Any, envelope: Envelope
) -> dict:
    """The body the pipeline would write now (validation, mapping and references)."""
    name = envelope.entity
    ctx = _context(store, provider, organization)
    if envelope.direction == "to-app":
        return mapper.to_partner(name, mapper.validate_connec(name, envelope.record), ctx).body
    pushed = mapper.to_connec(name, mapper.validate_partner(name, envelope.record), ctx)
    for field, collection, partner_id in mapper.referenced_ids(name, pushed, provider, ctx.realm):
        link = store.id_map.find(organization.id, collection, partner_id=partner_id)
        if link is None or link.connec_id is None or link.inactive:
            raise NotInConnec(f"{field} refers to {collection} {partner_id}, not yet in Connec!")
    return pushed


def _context(store: Any, provider: str, organization: Any) -> MappingContext:
    def partner_id_for(entity: str, connec: str) -> str | None:
        link = store.id_map.find(organization.id, entity, connec_id=connec)
        return link.partner_id if link is not None and not link.inactive else None

    return MappingContext(provider, organization.account, partner_id_for)


def _organization(store: Any, envelope: Envelope) -> Any:
    if envelope.direction == "to-connec" and envelope.account:
        return store.organizations.by_account(envelope.account)
    if envelope.tenant and envelope.group_id:
        return store.organizations.by_group(envelope.tenant, envelope.group_id)
    return store.organizations.by_account(envelope.account) if envelope.account else None


def _source_id(envelope: Envelope) -> str:
    ids = envelope.record.get("id")
    return str(connec_id(ids) if isinstance(ids, list) else ids)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def render_text(checked: list[dict[str, Any]]) -> str:
    lines = []
    for record in checked:
        head = (
            f"{record['entity']} {record['direction']} {record['record_id']}: {record['verdict']}"
        )
        if record["verdict"] in (FAILS, UNCHECKED):
            head += f" ({record['reason']}{': ' + record['error'] if record.get('error') else ''})"
        lines.append(head)
        lines += [
            f"    {c['field']}: {_canonical(c['was'])} -> {_canonical(c['now'])}"
            for c in record["changes"]
            if record["verdict"] == CHANGED
        ]
    counts = {
        v: sum(r["verdict"] == v for r in checked) for v in (SAME, CHANGED, NEW, FAILS, UNCHECKED)
    }
    lines.append(", ".join(f"{n} {v}" for v, n in counts.items()) + f" of {len(checked)} records")
    return "\n".join(lines)


__all__ = ["UndecodableMessage", "check", "from_file", "kept", "render_text"]
