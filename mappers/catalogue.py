"""What an entity table shares, read from its mapping rules: the catalogue's domain part.

`describe(table)` answers, per entity in dependency order, its Connec! collection and partner
resource and every mapped field both ways (Connec! path, partner field, conversion, which way it
travels, the collection a reference points at and waits for). It reads the rules themselves, so
the catalogue cannot drift from what the mappers do (`connec-sync entities`,
docs/shared-entities.md).
"""

from __future__ import annotations

from typing import Any

from mappers.common import SAME
from mappers.record import Lines
from mappers.registry import Entity, EntityTable
from mappers.rules import Const, Field, Ref, Status

#: which way a field travels: both, or only one (the other side computes or fixes it)
BOTH, TO_CONNEC_ONLY, TO_APP_ONLY = "both", "to-connec only", "to-app only"


def describe(table: EntityTable) -> list[dict[str, Any]]:
    """Every entity of `table`, in dependency order, as JSON-ready facts."""
    return [describe_entity(entity) for entity in table.entities]


def describe_entity(entity: Entity) -> dict[str, Any]:
    lines = entity.lines
    return {
        "collection": entity.collection,
        "resource": entity.resource,
        "archive_status": None if entity.singleton else entity.mapping.archive_status,
        "singleton": entity.singleton is not None,
        "lines": None if lines is None else _lines(lines),
        "references": [
            {"field": field, "collection": target, "waits_for": _waits_for(target)}
            for field, target in entity.references
        ],
        "fields": _fields(entity.mapping.rules, "", ""),
    }


def _lines(lines: Lines) -> dict[str, Any]:
    return {"connec": lines.connec, "partner": lines.partner, "ids_linked_back": lines.ids}


def _waits_for(target: str) -> str:
    return f"the referenced {target} record to be linked first"


def _fields(rules: tuple, connec_prefix: str, partner_prefix: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for rule in rules:
        if isinstance(rule, Lines):
            rows.append(_lines_row(rule, connec_prefix, partner_prefix))
            inner_connec, inner_partner = f"{rule.connec}[].", f"{rule.partner}[]."
            rows += _fields(
                rule.rules, connec_prefix + inner_connec, partner_prefix + inner_partner
            )
        else:
            rows.append(_row(rule, connec_prefix, partner_prefix))
    return rows


def _row(rule: Any, connec_prefix: str, partner_prefix: str) -> dict[str, Any]:
    row = {
        "connec": connec_prefix + rule.connec,
        "partner": partner_prefix + rule.partner if hasattr(rule, "partner") else None,
        "conversion": getattr(rule, "description", ""),  # a provider's own rule says its own
        "flow": BOTH,
        "reference": None,
        "note": "",
    }
    if isinstance(rule, Ref):
        row["reference"] = rule.entity
        row["conversion"] = "partner id = Connec! id array"
        row["note"] = f"refers to {rule.entity}; waits for " + _waits_for(rule.entity)
    elif isinstance(rule, Const):
        row.update(flow=TO_CONNEC_ONLY, conversion=f"always {rule.value!r}")
    elif isinstance(rule, Field):
        row.update(_field_facts(rule))
    return row


def _field_facts(rule: Field) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "conversion": "" if rule.conversion is SAME else rule.conversion.description
    }
    if not rule.writes_partner:
        facts.update(flow=TO_CONNEC_ONLY, note="read-only: the partner computes it")
    elif not rule.writes_connec:
        facts.update(flow=TO_APP_ONLY, note="write-only: Connec! computes it")
    if isinstance(rule, Status):
        facts["note"] = "a null status writes nothing"
    return facts


def _lines_row(lines: Lines, connec_prefix: str, partner_prefix: str) -> dict[str, Any]:
    linked = "each line's id linked back" if lines.ids else "lines carry no ids"
    return {
        "connec": connec_prefix + lines.connec,
        "partner": partner_prefix + lines.partner,
        "conversion": "array of lines, order kept, fully replaced on each write",
        "flow": BOTH,
        "reference": None,
        "note": linked,
    }
