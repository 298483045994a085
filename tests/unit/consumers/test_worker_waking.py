"""The worker's thread waits for the broker and for its applying threads at once: a record done
is settled as soon as it is done, with no polling while it is applied, and a stop ends the
wait. POLL_S is made a minute here: only a wake can end a wait in time."""

from __future__ import annotations

import threading
import time

import pytest
from structlog.testing import capture_logs

from connec_sync.broker.memory.consumer import MemoryConsumer
from consumers.outcomes import Applied
from consumers.runtime import worker as worker_module
from tests.unit.consumers.support import FakePipeline, envelope_for, publish, running, wait_for

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def receives(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The wait of every `receive` of the worker's consumer; idle waits of a minute."""
    monkeypatch.setattr(worker_module, "POLL_S", 60.0)
    waits: list[float] = []
    original = MemoryConsumer.receive

    def counted(self: MemoryConsumer, wait_s: float) -> None:
        waits.append(wait_s)
        original(self, wait_s)

    monkeypatch.setattr(MemoryConsumer, "receive", counted)
    return waits


def test_while_a_record_is_applied_the_worker_waits_without_polling_and_settles_it_once_done(
    memory_settings, route, receives
):
    started, release = threading.Event(), threading.Event()

    def slow(envelope):
        started.set()
        release.wait(10)
        return Applied({"app_id": "a-1"})

    with capture_logs() as logs, running(memory_settings, {route: FakePipeline(slow)}):
        publish(memory_settings, route, envelope_for(route, "r1"))
        assert started.wait(10)
        time.sleep(0.1)
        before = len(receives)
        time.sleep(0.5)  # the record is being applied: nothing for the worker's thread to do
        polled = len(receives) - before
        release.set()
        wait_for(lambda: [e for e in logs if e["event"] == "record_applied"], what="settled")
    assert polled == 0


def test_a_stop_ends_an_idle_workers_wait(memory_settings, route, receives):
    with running(memory_settings, {route: FakePipeline()}):
        wait_for(lambda: receives, what="a wait")
    # `running` stopped the worker and joined its thread within 15 s, a quarter of its wait
