"""The poller stops between two reads, even when a read found nothing (issue 20: a poll of many
entities against a slow partner must still stop within 10 s of a SIGTERM)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connec_sync.naming import Names
from connec_sync.settings import OrganizationSettings
from connec_sync.store import Store
from producers.poll.poller import Interrupted, Poller
from providers.interface import ChangedPage, PollTiming
from providers.tryton import PROVIDER
from tests.unit.sync.support import RecordingPublisher

pytestmark = pytest.mark.timeout(30)
ENTITIES = {"organizations": "to-connec", "people": "to-connec", "items": "to-connec"}


class StoppedWhileReading:
    """A reader whose first read finds nothing and, meanwhile, the stop is asked for."""

    def __init__(self) -> None:
        self.poller: Poller | None = None
        self.read: list[str] = []

    def changed(
        self,
        account: str,
        resource: str,
        cursor: dict[str, Any] | None,
        settled_before: datetime.datetime,
        limit: int,
    ) -> Iterator[ChangedPage]:
        self.read.append(resource)
        assert self.poller is not None
        self.poller.stop.set()  # the SIGTERM lands while this request is in flight
        yield from ()

    def existing(self, account: str, resource: str, ids: list[str]) -> set[str]:
        return set(ids)

    def close(self) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'poll.db'}")
    opened.link_configured((OrganizationSettings("default", "cld-1", "books", ENTITIES),))
    yield opened
    opened.close()


def test_a_stop_asked_during_a_read_that_found_nothing_ends_the_poll_before_the_next_entity(
    store: Store,
) -> None:
    reader = StoppedWhileReading()
    timing = PollTiming(interval_s=1, deletes_every=30, overlap_s=0)
    poller = Poller(store, RecordingPublisher(), reader, PROVIDER, Names("t-poll"), timing)
    reader.poller = poller
    organization = store.organizations.by_account("books")
    with pytest.raises(Interrupted):
        poller.poll_account(organization)
    assert reader.read == [PROVIDER.resource("organizations")]
    assert store.polls.take_lease(organization.id, "another poller", 60)  # lease released
