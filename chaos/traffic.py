"""The traffic of a scenario: records, their versions and keys, and the request bodies that carry
them (Connec! notifications and partner events), grouped, ordered and shuffled from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chaos.cluster import CRASH_MARKER
from chaos.ledgers import KEY_FIELDS, key_of

#: partner resource per Connec! collection
RESOURCES = {"organizations": "companies", "people": "contacts"}
#: a value the schemas cannot read, put in every name field: an unreadable field is dropped, and
#: a record left without any name is dead-lettered `invalid` on its first delivery
INVALID_NAME = {"not": "a string"}
#: the name fields of each collection: without all of them the target cannot take the record
NAME_FIELDS = {"organizations": ("name",), "people": ("first_name", "last_name")}
#: the reason a consumer gives an invalid record
INVALID = "invalid"
#: a crasher's reason: its record makes the handler raise, so only the quorum queue's delivery
#: limit dead-letters it
CRASHER = "delivery_limit"


@dataclass
class Record:
    """One record at its source: `base` is what the source holds (ids, names); each version
    changes the key field and `updated_at`."""

    source: str  # "connec" (to-app traffic) or "app" (to-connec traffic)
    collection: str
    record_id: str
    base: dict[str, Any]
    versions: int
    poison: str | None = None

    def key(self, version: int) -> str:
        return key_of(self.source, self.collection, self.record_id, version)

    def body(self, version: int, epoch: datetime) -> dict[str, Any]:
        """The record as its source sends it at `version`."""
        stamp = epoch + timedelta(seconds=version)
        record = {**self.base, KEY_FIELDS[self.collection]: self.key(version)}
        record["updated_at"] = stamp.isoformat(
            timespec="seconds" if self.connec else "microseconds"
        )
        name = NAME_FIELDS[self.collection][0]
        if self.poison == INVALID:
            record |= dict.fromkeys(NAME_FIELDS[self.collection], INVALID_NAME)
        elif self.poison == CRASHER:
            record[name] = f"{CRASH_MARKER} {self.record_id}"
        return record

    @property
    def connec(self) -> bool:
        return self.source == "connec"


@dataclass(frozen=True)
class Version:
    record: Record
    version: int

    @property
    def key(self) -> str:
        return self.record.key(self.version)


@dataclass
class Plan:
    """How a scenario's traffic is shaped."""

    records: int = 100
    versions: int = 2
    per_request: int = 5  # records in one POST: 1..per_request
    shuffle: bool = False  # versions of a record in random order (else in order)
    duplicate_rate: float = 0.0  # share of requests sent again once acknowledged
    invalid_rate: float = 0.0  # share of records sent invalid (one version each)
    crashers: int = 0  # records that crash the handler (one version each)
    seed: int = 0
    epoch: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    )


def split_records(plan: Plan) -> list[tuple[str, str, int, str | None]]:
    """(source, collection, versions, poison) for each record: both directions, both entities;
    `invalid_rate` of them (at least 2 when the rate is not 0) invalid and `crashers` crashers,
    each poison with one version."""
    rng = random.Random(plan.seed)
    count = max(2, round(plan.records * plan.invalid_rate)) if plan.invalid_rate else 0
    chosen = rng.sample(range(plan.records), min(count + plan.crashers, plan.records))
    poisons = {index: INVALID for index in chosen[:count]}
    poisons |= {index: CRASHER for index in chosen[count:]}
    shapes = []
    for index in range(plan.records):
        source = ("connec", "app")[index % 2]
        collection = ("organizations", "people")[(index // 2) % 2]
        poison = poisons.get(index)
        shapes.append((source, collection, 1 if poison else plan.versions, poison))
    return shapes


def ordered_versions(records: list[Record], plan: Plan) -> list[Version]:
    """Every version once: in version order across records, or shuffled as a whole."""
    rng = random.Random(plan.seed + 1)
    versions = [Version(r, v) for r in records for v in range(1, r.versions + 1)]
    if plan.shuffle:
        rng.shuffle(versions)
    else:
        versions.sort(key=lambda each: each.version)
    return versions


def batches(versions: list[Version], plan: Plan) -> list[list[Version]]:
    """Requests: consecutive versions of one source, 1..per_request per request."""
    rng = random.Random(plan.seed + 2)
    by_source: dict[str, list[Version]] = {"connec": [], "app": []}
    for each in versions:
        by_source[each.record.source].append(each)
    grouped: list[list[Version]] = []
    for same_source in by_source.values():
        while same_source:
            size = rng.randint(1, max(1, plan.per_request))
            grouped.append(same_source[:size])
            same_source = same_source[size:]
    position = {id(each): index for index, each in enumerate(versions)}
    grouped.sort(key=lambda request: position[id(request[0])])  # both sources interleaved
    return grouped
