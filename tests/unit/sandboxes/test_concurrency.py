"""The sandboxes under concurrent clients, and stopping with webhooks still pending."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from sandboxes.testing import GROUP_ID, connec_session, start_connec


def test_concurrent_upserts_of_one_external_id_create_one_record(connec_sandbox):
    body = {
        "people": {"id": [{"id": "c_1", "provider": "demoapp", "realm": "a"}], "first_name": "Ann"}
    }

    def push(_: int) -> int:
        with connec_session() as http:
            return http.post(
                f"{connec_sandbox.url}/api/v2/{GROUP_ID}/people", json=body
            ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(push, range(16)))
    assert sorted(answers) == [200] * 15 + [201]
    assert len(connec_sandbox.state.records(GROUP_ID, "people")) == 1


def test_a_sandbox_stops_at_once_with_retries_still_scheduled(receiver):
    handle = start_connec(retry_schedule_s=(30,))
    receiver.default_status = 503
    handle.state.subscribe_receiver(receiver.url)
    handle.state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "Ann"})
    receiver.wait_for(1)
    started = time.monotonic()
    handle.stop()
    assert time.monotonic() - started < 1.0
    assert not handle.state.sender.running
