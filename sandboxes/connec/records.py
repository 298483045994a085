"""One group's records in the Connec! sandbox, and how a pushed record becomes a stored one:
references resolved, lines merged by id, nested objects merged, id arrays merged."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from sandboxes.connec import ids
from sandboxes.connec.collections import SPECS, SYSTEM_FIELDS, CollectionSpec, RefPath
from sandboxes.web import SandboxError

Record = dict[str, Any]


class GroupStore:
    """Records of one group by collection and Connec! id, plus the index of app ids."""

    def __init__(self, group_id: str, tenant: str, channel_id: str) -> None:
        self.group_id, self.tenant, self.channel_id = group_id, tenant, channel_id
        self.records: dict[str, dict[str, Record]] = {}
        self.linked: dict[tuple[str, ids.EntryKey], str] = {}
        self.codes: dict[str, int] = {}

    def collection(self, name: str) -> dict[str, Record]:
        return self.records.setdefault(name, {})

    def find_linked(self, collection: str, entries: list[dict[str, str]]) -> Record | None:
        """The record any of these entries names (app ids first, then a Connec! id); 409 if two."""
        found = {self.linked.get((collection, ids.key(e))) for e in ids.app_entries(entries)}
        found.discard(None)
        if len(found) > 1:
            raise SandboxError(409, "conflict", "the id array names two different records")
        if found:
            return self.collection(collection)[found.pop()]  # type: ignore[index]
        own = ids.connec_id(entries)
        return self.collection(collection).get(own) if own else None

    def find_matching(self, collection: str, pushed: Record, fields: list[str]) -> Record | None:
        """Smart merge: the first record whose `fields` all equal the pushed values."""
        wanted = [(f, dig(pushed, f)) for f in fields]
        if not fields or any(value is None for _, value in wanted):
            return None
        for record in self.collection(collection).values():
            if all(dig(record, f) == value for f, value in wanted):
                return record
        return None

    def resolve(self, target: str, value: Any, label: str) -> str:
        """The Connec! id of the `target` record a pushed reference names; 400 naming `label`."""
        for candidate in ids.normalise(value, self.channel_id, label):
            if candidate["provider"] == ids.CONNEC and candidate["id"] in self.collection(target):
                return candidate["id"]
            linked = self.linked.get((target, ids.key(candidate)))
            if linked:
                return linked
        message = f"{label} cannot be resolved: no {target} record is linked to {value!r}"
        raise SandboxError(400, "unresolved_reference", message, {label: ["cannot be resolved"]})

    def save(self, collection: str, record: Record, previous: Record | None) -> None:
        """Store a record and re-index its app ids; 409 if one is linked to another record."""
        own = ids.connec_id(record["id"])
        for app_entry in ids.app_entries(record["id"]):
            holder = self.linked.get((collection, ids.key(app_entry)))
            if holder not in (None, own):
                detail = f"{app_entry} is already linked to {collection} {holder}"
                raise SandboxError(409, "conflict", detail, {"id": ["already linked"]})
        for old_entry in ids.app_entries(previous["id"] if previous else []):
            self.linked.pop((collection, ids.key(old_entry)), None)
        for app_entry in ids.app_entries(record["id"]):
            self.linked[(collection, ids.key(app_entry))] = own  # type: ignore[assignment]
        self.collection(collection)[own] = record  # type: ignore[index]

    def next_code(self, spec: CollectionSpec) -> str:
        self.codes[spec.name] = self.codes.get(spec.name, 0) + 1
        return f"{spec.code_prefix}{self.codes[spec.name]}"


def build(
    store: GroupStore,
    spec: CollectionSpec,
    pushed: Record,
    current: Record,
    new_id: Callable[[], str],
    sparse: bool = True,
) -> Record:
    """The record `current` becomes once `pushed` is applied (neither is modified)."""
    pushed = {k: copy.deepcopy(v) for k, v in pushed.items() if k not in SYSTEM_FIELDS}
    pushed_ids = ids.normalise(pushed.pop("id", None), store.channel_id)
    resolve_references(store, spec, pushed)
    result = copy.deepcopy(current)
    for name in spec.line_arrays:
        if name in pushed:
            lines = pushed.pop(name) or []
            result[name] = merge_lines(result.get(name) or [], lines, sparse, new_id, store)
    deep_merge(result, pushed)
    result["id"] = ids.merge(result["id"], pushed_ids)
    return result


def resolve_references(store: GroupStore, spec: CollectionSpec, pushed: Record) -> None:
    for path, target in spec.references:
        for container, field, label in walk(pushed, path):
            if container[field] not in (None, "", []):
                container[field] = store.resolve(target, container[field], label)


def merge_lines(
    current: list[Any],
    pushed: list[Any],
    sparse: bool,
    new_id: Callable[[], str],
    store: GroupStore,
) -> list[Any]:
    """Lines matched by any id entry are merged; new ones get a Connec! id; with
    `sparse: false` the pushed lines are the whole array."""
    if not isinstance(pushed, list) or not all(isinstance(line, dict) for line in pushed):
        raise SandboxError(400, "invalid", "lines must be an array of objects")
    result = copy.deepcopy([line for line in current if isinstance(line, dict)]) if sparse else []
    for line in pushed:
        line_ids = ids.normalise(line.pop("id", None), store.channel_id, "lines[].id")
        keys = {ids.key(e) for e in line_ids}
        match = next((old for old in current if keys & _line_keys(old)), None)
        merged = deep_merge(copy.deepcopy(match), line) if match else line
        own = [ids.entry(new_id(), ids.CONNEC, store.channel_id)] if not match else match["id"]
        merged["id"] = ids.merge(own, line_ids)
        position = _line_position(result, match)
        if position is None:
            result.append(merged)
        else:
            result[position] = merged
    return result


def _line_keys(line: Any) -> set[ids.EntryKey]:
    return {ids.key(e) for e in line.get("id") or []} if isinstance(line, dict) else set()


def _line_position(lines: list[Record], match: Record | None) -> int | None:
    if match is None:
        return None
    own = ids.connec_id(match["id"])
    return next((i for i, line in enumerate(lines) if ids.connec_id(line["id"]) == own), None)


def deep_merge(target: Record, changes: Record) -> Record:
    """Nested objects merge key by key; anything else (lists included) is replaced."""
    for name, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(name), dict):
            deep_merge(target[name], value)
        else:
            target[name] = value
    return target


def walk(record: Record, path: RefPath, label: str = "") -> Iterator[tuple[Record, str, str]]:
    """(container, field, label) for every place `path` reaches in `record`."""
    head, rest = path[0], path[1:]
    if not rest:
        if isinstance(record, dict) and head in record:
            yield record, head, f"{label}.{head}" if label else head
        return
    value = record.get(head) if isinstance(record, dict) else None
    here = f"{label}.{head}" if label else head
    if rest[0] == "[]" and isinstance(value, list):
        for index, element in enumerate(value):
            yield from walk(element, rest[1:], f"{here}[{index}]")
    elif isinstance(value, dict):
        yield from walk(value, rest, here)


def dig(record: Record, dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def missing_required(spec: CollectionSpec, record: Record) -> str | None:
    """The first required field when none of `required_any` is set, else None."""
    if spec.required_any and not any(str(record.get(f) or "").strip() for f in spec.required_any):
        return spec.required_any[0]
    return None


def render(store: GroupStore, spec: CollectionSpec, record: Record, external: bool) -> Record:
    """A stored record as the API answers it: id arrays (or plain ids) for ids and references."""
    out = copy.deepcopy(record)
    out["id"] = ids.render(record["id"], external)
    for name in spec.line_arrays:
        for line in out.get(name) or []:
            if isinstance(line, dict) and isinstance(line.get("id"), list):
                line["id"] = ids.render(line["id"], external)
    for path, target in spec.references:
        for container, field, _ in walk(out, path):
            if isinstance(container[field], str):
                container[field] = _render_reference(store, target, container[field], external)
    return out


def _render_reference(store: GroupStore, target: str, own: str, external: bool) -> Any:
    if not external:
        return own
    record = store.collection(target).get(own)
    return (
        ids.render(record["id"], True) if record else [ids.entry(own, ids.CONNEC, store.channel_id)]
    )


def spec_for(collection: str) -> CollectionSpec:
    spec = SPECS.get(collection)
    if spec is None:
        raise SandboxError(404, "not_found", f"unknown collection {collection!r}")
    return spec
