"""The checker of reliability.md: from the ledgers and the final state, the figures that must be 0.

- lost: an acknowledged version whose record never reached that version or a newer one (neither
  in the effects nor in the final state); a version superseded by a newer applied one is not lost
- duplicate effects: a key applied more than once, plus every extra target record made for one
  source record
- unexpected: an effect whose key was never sent
- regressions: an effect older than a version already applied to the same record
- final wrong: a record whose final version is not its newest acknowledged version (a newer
  version that was sent but never acknowledged is tolerated: the sender may have given up on it
  after the broker confirmed it)
- dead letters unexplained: a record dead-lettered that was not meant to be, one meant to be that
  is not, or one with another reason than expected
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from chaos.ledgers import parse_key

FIGURES = ("lost", "duplicates", "unexpected", "regressions", "final_wrong", "dead_unexplained")


@dataclass
class Evidence:
    """Everything the checker reads: keys sent (with counts), keys acknowledged, effects in the
    order applied, the final key of every target record, dead letters (key, reason) and the dead
    letters expected (key -> reason)."""

    sent: Mapping[str, int]
    acked: set[str]
    effects: list[str]
    final: Mapping[str, str]
    dead: list[tuple[str, str]] = field(default_factory=list)
    expected_dead: Mapping[str, str] = field(default_factory=dict)
    #: the dead letters were replayed: they must have been applied too
    replayed: bool = False

    def excused(self, key: str) -> bool:
        """A key not expected to be applied: dead-lettered as meant, and not replayed."""
        return key in self.expected_dead and not self.replayed


@dataclass
class Figures:
    sent: int = 0
    acked: int = 0
    applied: int = 0
    lost: int = 0
    duplicates: int = 0
    unexpected: int = 0
    regressions: int = 0
    final_wrong: int = 0
    dead: int = 0
    dead_unexplained: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return all(getattr(self, name) == 0 for name in FIGURES)

    def note(self, figure: str, examples: Iterable[str]) -> None:
        listed = sorted(examples)
        setattr(self, figure, getattr(self, figure) + len(listed))
        if listed:
            self.examples.setdefault(figure, []).extend(listed[:5])


def check(evidence: Evidence) -> Figures:
    figures = Figures(
        sent=len(evidence.sent),
        acked=len(evidence.acked),
        applied=len(evidence.effects),
        dead=len({key for key, _ in evidence.dead}),
    )
    figures.note("duplicates", duplicate_effects(evidence))
    figures.note("unexpected", {key for key in evidence.effects if key not in evidence.sent})
    figures.note("regressions", regressions(evidence.effects))
    figures.note("lost", lost(evidence))
    figures.note("final_wrong", final_wrong(evidence))
    figures.note("dead_unexplained", dead_unexplained(evidence))
    return figures


def duplicate_effects(evidence: Evidence) -> list[str]:
    counts = Counter(evidence.effects)
    repeated = [f"{key} x{n}" for key, n in counts.items() for _ in range(n - 1)]
    holders: defaultdict[str, set[str]] = defaultdict(set)
    for target, key in evidence.final.items():
        if (parsed := parse_key(key)) is not None:
            holders[parsed[0]].add(target)
    for record, targets in holders.items():
        repeated += [f"{record} held by {len(targets)} target records"] * (len(targets) - 1)
    return repeated


def regressions(effects: Iterable[str]) -> list[str]:
    newest: dict[str, int] = {}
    found = []
    for key in effects:
        parsed = parse_key(key)
        if parsed is None:
            continue
        record, version = parsed
        if version < newest.get(record, 0):
            found.append(f"{key} after v{newest[record]}")
        newest[record] = max(version, newest.get(record, 0))
    return found


def _reached(evidence: Evidence) -> dict[str, int]:
    """The newest version each record reached, in the effects or the final state."""
    reached: dict[str, int] = {}
    for key in [*evidence.effects, *evidence.final.values()]:
        if (parsed := parse_key(key)) is not None:
            reached[parsed[0]] = max(parsed[1], reached.get(parsed[0], 0))
    return reached


def lost(evidence: Evidence) -> list[str]:
    reached = _reached(evidence)
    found = []
    for key in evidence.acked:
        parsed = parse_key(key)
        if parsed is None or evidence.excused(key):
            continue
        if reached.get(parsed[0], 0) < parsed[1]:
            found.append(key)
    return found


def _newest_acked(evidence: Evidence) -> dict[str, int]:
    newest: dict[str, int] = {}
    for key in evidence.acked:
        parsed = parse_key(key)
        if parsed is not None and not evidence.excused(key):
            newest[parsed[0]] = max(parsed[1], newest.get(parsed[0], 0))
    return newest


def final_wrong(evidence: Evidence) -> list[str]:
    finals: dict[str, int] = {}
    for key in evidence.final.values():
        if (parsed := parse_key(key)) is not None:
            finals[parsed[0]] = max(parsed[1], finals.get(parsed[0], 0))
    found = []
    for record, version in _newest_acked(evidence).items():
        final = finals.get(record)
        tolerated = final is not None and final > version and f"{record}|{final}" in evidence.sent
        if final != version and not tolerated:
            found.append(f"{record} v{final} not v{version}")
    return found


def dead_unexplained(evidence: Evidence) -> list[str]:
    reasons: defaultdict[str, set[str]] = defaultdict(set)
    for key, reason in evidence.dead:
        reasons[key].add(reason)
    found = []
    for key, got in reasons.items():
        wanted = evidence.expected_dead.get(key)
        if wanted is None:
            found.append(f"{key} dead-lettered ({', '.join(sorted(got))})")
        elif got != {wanted}:
            found.append(f"{key} reason {', '.join(sorted(got))} not {wanted}")
    missing = [
        f"{key} not dead-lettered"
        for key in evidence.expected_dead
        if key not in reasons and key in evidence.acked
    ]
    return found + missing
