"""What the long outage expects of the dead letters.

While both targets answer 503, every record must end in the dead letters at its newest
acknowledged version, with the outage's reason. An older version of the same record need not:
once the newer version was attempted, the write-ahead version guard (`Hold.attempt`) makes the
older one `stale`, and the consumer skips it instead of spending its retries (applying it would
go backwards anyway). Such a version is accepted only if the consumers logged that many `stale`
skips of its record during the outage; an older version that is dead-lettered must carry the
outage's reason too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chaos.ledgers import parse_key
from connec_sync.naming import TO_APP

#: the skip reason of the version guard (consumers.guard.STALE)
STALE = "stale"


@dataclass
class OutageExpectations:
    #: key -> reason, for the checker: every newest version, and every older one dead-lettered
    expected_dead: dict[str, str] = field(default_factory=dict)
    #: older versions neither dead-lettered nor covered by a logged `stale` skip of their record
    unaccounted: list[str] = field(default_factory=list)


def expectations(
    acked: Iterable[str],
    dead: Iterable[tuple[str, str]],
    stale_skips: Mapping[str, int],
    reason: str,
) -> OutageExpectations:
    """From the acknowledged keys, the dead letters (key, reason) and the `stale` skips logged
    per record (`source|collection|id`)."""
    dead_keys = {key for key, _ in dead}
    versions: dict[str, list[int]] = {}
    for key in acked:
        if (parsed := parse_key(key)) is not None:
            versions.setdefault(parsed[0], []).append(parsed[1])
    found = OutageExpectations()
    for record, numbers in versions.items():
        newest = max(numbers)
        found.expected_dead[f"{record}|{newest}"] = reason
        skipped = []
        for version in sorted(set(numbers) - {newest}):
            key = f"{record}|{version}"
            if key in dead_keys:
                found.expected_dead[key] = reason
            else:
                skipped.append(key)
        found.unaccounted += skipped[stale_skips.get(record, 0) :]
    return found


def log_marks(paths: Iterable[Path]) -> dict[Path, int]:
    """Where each log ends now (bytes), to read only what is written after."""
    return {path: path.stat().st_size if path.exists() else 0 for path in paths}


def stale_skips(marks: Mapping[Path, int]) -> Counter[str]:
    """`stale` skips the consumers logged since `marks`, per record `source|collection|id`."""
    skips: Counter[str] = Counter()
    for path, offset in marks.items():
        with path.open("rb") as log:
            log.seek(offset)
            lines = log.read().decode(errors="replace").splitlines()
        for line in lines:
            if (record := _stale_record(line)) is not None:
                skips[record] += 1
    return skips


def _stale_record(line: str) -> str | None:
    if '"record_skipped"' not in line:
        return None
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if entry.get("event") != "record_skipped" or entry.get("reason") != STALE:
        return None
    source = "connec" if entry.get("direction") == TO_APP else "app"
    return f"{source}|{entry.get('entity')}|{entry.get('record_id')}"
