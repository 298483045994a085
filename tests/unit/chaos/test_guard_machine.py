"""A hypothesis state machine over the version guard and the echo check: the source writes
versions (some in the same second), our own writes to the source come back as notifications,
and deliveries arrive in any order, duplicated and replayed. Whatever the interleaving, nothing
is applied twice, nothing older after something newer, and no echo is ever applied.

(tests/unit/pipeline/test_guard.py has the pipeline's own property test of interleavings; this
one adds echoes and replays after other work, as the fault suite's reordering scenario does.)
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from connec_sync.naming import TO_APP, TO_CONNEC
from connec_sync.store import Store
from consumers.fingerprints import digest
from consumers.guard import Guard, Version
from consumers.outcomes import Skip
from consumers.steps import admitted

pytestmark = pytest.mark.timeout(300)
_records = itertools.count()
#: one store for every run of the machine (each run has a record of its own); opened on first use
_store: list[Store] = []


def shared_store() -> Store:
    if not _store:
        _store.append(Store.open(f"sqlite:///{Path(tempfile.mkdtemp()) / 'store.db'}"))
    return _store[0]


def stamp(second: int) -> str:
    return f"2026-11-27T10:{second // 60:02d}:{second % 60:02d}Z"


class GuardMachine(RuleBasedStateMachine):
    @initialize()
    def open_store(self) -> None:
        self.store = shared_store()
        self.org = self.store.organizations.upsert(
            tenant="default", group_id="cld-m", account="acct-m", entities={"people": "both"}
        ).id
        self.guard = Guard(self.store.id_map, "owner-m")
        self.connec_id = f"c-{next(_records)}"
        self.second, self.written, self.echoes = 0, [], set()
        self.applied: list[Version] = []
        self.superseded: set[Version] = set()

    def _content(self, version: Version) -> str:
        return next(content for v, content in self.written if v == version)

    @rule(gap=st.integers(0, 2), content=st.sampled_from("abcd"))
    def source_writes(self, gap: int, content: str) -> None:
        self.second += gap
        self.written.append((Version.of(stamp(self.second), {"first_name": content}), content))

    @rule(content=st.sampled_from("xyz"), same_second=st.booleans())
    def our_write_comes_back(self, content: str, same_second: bool) -> None:
        """A partner edit (its time in microseconds, maybe in the second of the source's last
        write) is written to the source (direction to-connec), which notifies it; every
        version the source held before it is superseded."""
        fingerprint = digest({"first_name": content})
        self.second += 0 if same_second else 1
        ours = Version.of(stamp(self.second).replace("Z", ".917Z"), {"partner": content})
        with self.guard.holding(self.org, "people", connec_id=self.connec_id) as hold:
            hold.record(TO_CONNEC, ours, connec_fingerprint=fingerprint)
        self.superseded |= {version for version, _ in self.written}
        self.second += 1
        echo = Version.of(stamp(self.second), {"first_name": content})
        self.written.append((echo, content))
        self.echoes.add(echo)

    @rule(data=st.data())
    def a_notification_arrives(self, data: st.DataObject) -> None:
        if not self.written:
            return
        offered, content = data.draw(st.sampled_from(self.written))
        try:
            with self.guard.holding(self.org, "people", connec_id=self.connec_id) as hold:
                if hold.check_version(TO_APP, offered):  # a tie: the source's current record
                    offered, content = self.written[-1]
                    hold.check_version(TO_APP, offered)
                content, offered, _, fingerprint = admitted(
                    hold,
                    TO_APP,
                    "recent",
                    (content, offered),
                    lambda: tuple(reversed(self.written[-1])),
                    lambda current: (current, digest({"first_name": current})),
                )
                hold.record(TO_APP, offered, partner_fingerprint=fingerprint)
                self.applied.append(offered)
        except Skip:
            return
        assert offered not in self.superseded, "a copy older than our write was applied over it"

    @invariant()
    def never_backwards_never_twice_never_an_echo(self) -> None:
        applied = getattr(self, "applied", [])
        # never backwards in time, never the same version twice; at one timestamp (Connec! keeps
        # whole seconds) the tie rule applies the source's current content, whatever its hash
        pairs = list(zip(applied, applied[1:], strict=False))
        assert all(a.at <= b.at and a != b for a, b in pairs)
        assert not self.echoes & set(applied) if applied else True


GuardMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=20, deadline=None)
test_guard_never_goes_back_applies_twice_or_applies_an_echo = GuardMachine.TestCase
