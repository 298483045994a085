"""Pure views of records that consumers compare or check: a partner record as the write body it
stands for, and the partner ids a pushed Connec! record refers to.

Each works on an entity (`Entity`: a provider's own, through `mappers.api.Mapper`); the
functions by entity name are the reference app's (`demoapp`)."""

from __future__ import annotations

from mappers.registry import Entity, entity
from mappers.rules import MISSING, get_path


def view_of(spec: Entity, record: dict) -> dict:
    """The partner write body a validated partner record corresponds to: only the fields our
    mapping writes (no id, timestamps or server-computed `total`/`balance`), line ids dropped.

    By the round-trip property, `to_partner` of the Connec! record this record was pushed as
    gives the same body, up to line ids."""
    view = {key: value for key, value in record.items() if key in spec.mapping.partner_fields}
    lines = spec.lines
    if lines is not None and isinstance(view.get(lines.partner), list):
        view[lines.partner] = [
            {key: value for key, value in line.items() if key != "id"}
            for line in view[lines.partner]
        ]
    return view


def references_in(
    spec: Entity, connec_record: dict, provider: str, realm: str
) -> list[tuple[str, str, str]]:
    """(field, referenced collection, partner id) of each reference folded with our id in a
    Connec! record made by `to_connec`; the references of its lines included."""
    found = []
    for field, collection in spec.references:
        for where, id_array in _values_at(spec, connec_record, field):
            found += [
                (where, collection, str(entry["id"]))
                for entry in id_array
                if entry.get("provider") == provider and entry.get("realm") == realm
            ]
    return found


def partner_view(entity_name: str, record: dict) -> dict:
    """`view_of` a reference app record."""
    return view_of(entity(entity_name), record)


def referenced_ids(
    entity_name: str, connec_record: dict, provider: str, realm: str
) -> list[tuple[str, str, str]]:
    """`references_in` a Connec! record made from a reference app record."""
    return references_in(entity(entity_name), connec_record, provider, realm)


def _values_at(spec: Entity, record: dict, field: str) -> list[tuple[str, list]]:
    lines = spec.lines
    head, _, rest = field.partition(".")
    if lines is None or head != lines.connec or not rest:
        value = get_path(record, field)
        return [] if value is MISSING or not value else [(field, value)]
    found = []
    for number, line in enumerate(record.get(head) or ()):
        value = get_path(line, rest)
        if value is not MISSING and value:
            found.append((f"{head}.{number}.{rest}", value))
    return found
