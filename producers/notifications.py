"""Connec! webhook notifications: normalise collection keys, split into one envelope per record.

Pure: the linked organization of a group comes from the `find_organization` callable.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from connec_sync.naming import TO_APP
from schemas.entity_names import COLLECTIONS
from schemas.envelope import Envelope, now_iso

#: reasons a record is ignored (a metrics label: keep the set small and fixed)
UNKNOWN_COLLECTION, NO_GROUP, GROUP_NOT_LINKED, DIRECTION_OFF = (
    "unknown_collection",
    "no_group",
    "group_not_linked",
    "direction_off",
)
#: singular (or odd) names Connec! may use for a collection
_IRREGULAR = {"person": "people", "company": "company"}


class InvalidNotification(ValueError):
    """The body is not a notification; the message names the problem (answered 400)."""


class LinkedOrganization(Protocol):
    account: str

    def allows(self, entity: str, direction: str) -> bool: ...


FindOrganization = Callable[[str, str], LinkedOrganization | None]


@dataclass
class Split:
    """The envelopes to publish, and the records left out, counted by reason."""

    envelopes: list[Envelope] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)


def collection_name(key: str) -> str:
    """`Person` -> `people`, `TaxCode` -> `tax_codes`, `invoice` -> `invoices`, `people` stays.
    Remembered for the short keys real notifications use (a long key is a sender's mistake)."""
    return _known_collection_name(key) if len(key) <= 64 else _collection_name(key)


def _collection_name(key: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key.strip()).lower().replace("-", "_")
    head, _, last = snake.rpartition("_")
    return f"{head}_{_plural(last)}" if head else _plural(last)


_known_collection_name = functools.lru_cache(maxsize=256)(_collection_name)


def _plural(word: str) -> str:
    if word in _IRREGULAR or word in _IRREGULAR.values():
        return _IRREGULAR.get(word, word)
    if word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("ch", "sh", "x")) else "s")


def split_notification(body: Any, tenant: str, find_organization: FindOrganization) -> Split:
    """One envelope per record of a handled collection whose group is linked and sends to
    the app; the other records are counted by reason."""
    if not isinstance(body, dict):
        raise InvalidNotification("the body must be a JSON object keyed by collection")
    splitter = _Splitter(tenant, find_organization)
    for key, records in body.items():
        collection = collection_name(key)
        if collection not in COLLECTIONS:
            splitter.split.ignored[UNKNOWN_COLLECTION] += (
                len(records) if isinstance(records, list) else 1
            )
            continue
        if not isinstance(records, list):
            raise InvalidNotification(f"collection {key!r} must be an array of records")
        for record in records:
            splitter.add(collection, record)
    return splitter.split


class _Splitter:
    """One notification's split: its records share one receipt time, and each group's
    organization is looked up once."""

    def __init__(self, tenant: str, find_organization: FindOrganization) -> None:
        self.split = Split()
        self._tenant = tenant
        self._find_organization = find_organization
        self._organizations: dict[str, LinkedOrganization | None] = {}
        self._received_at = now_iso()

    def add(self, collection: str, record: Any) -> None:
        group_id = record.get("group_id") if isinstance(record, dict) else None
        if not isinstance(group_id, str) or not group_id:
            self.split.ignored[NO_GROUP] += 1
            return
        organization = self._organization(group_id)
        if organization is None:
            self.split.ignored[GROUP_NOT_LINKED] += 1
        elif not organization.allows(collection, TO_APP):
            self.split.ignored[DIRECTION_OFF] += 1
        else:
            self.split.envelopes.append(
                Envelope.new(
                    direction=TO_APP,
                    entity=collection,
                    record=record,
                    action="upsert",
                    origin="webhook",
                    tenant=self._tenant,
                    group_id=group_id,
                    account=organization.account,
                    updated_at=record.get("updated_at"),
                    received_at=self._received_at,
                )
            )

    def _organization(self, group_id: str) -> LinkedOrganization | None:
        if group_id not in self._organizations:
            self._organizations[group_id] = self._find_organization(self._tenant, group_id)
        return self._organizations[group_id]
