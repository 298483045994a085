"""Content fingerprints: sha256 of a canonical JSON form, so equal content gives equal prints.

Canonical: keys sorted, no whitespace, None values and objects left empty by that dropped (a
PATCH body that omits a field and a record that holds it as null say the same), integral floats
written as integers (10.0 and 10 are the same amount), and line ids left out (the partner assigns
them; Connec! learns them later through link-back).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mappers.registry import REFERENCE, EntityTable


def canonical(value: Any) -> Any:
    """The value with None dropped from objects, empty objects dropped, integral floats as int."""
    if isinstance(value, dict):
        kept = {key: canonical(item) for key, item in value.items() if item is not None}
        return {key: item for key, item in kept.items() if item != {}}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def digest(value: Any) -> str:
    """sha256 hex of the canonical JSON of `value`."""
    text = json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def without_line_ids(
    entity_name: str, body: dict[str, Any], entities: EntityTable = REFERENCE
) -> dict[str, Any]:
    """A partner body with the `id` of each of its lines removed (`entities`: the partner
    app's; the reference app's by default)."""
    lines = entities.entity(entity_name).lines
    if lines is None or not isinstance(body.get(lines.partner), list):
        return body
    stripped = [
        {key: item for key, item in line.items() if key != "id"} if isinstance(line, dict) else line
        for line in body[lines.partner]
    ]
    return {**body, lines.partner: stripped}


def body_fingerprint(
    entity_name: str, body: dict[str, Any], entities: EntityTable = REFERENCE
) -> str:
    """The fingerprint of a partner write body (the one space both directions compare in)."""
    return digest(without_line_ids(entity_name, body, entities))
