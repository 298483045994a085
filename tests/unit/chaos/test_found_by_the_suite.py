"""Bugs the fault suite found, pinned by tests of their own (the handlers called directly)."""

from __future__ import annotations

import pytest

from sandboxes import testing
from tests.system import Direct, Sides
from tests.unit.pipeline.conftest import both, direct  # noqa: F401 (fixtures used here)

pytestmark = pytest.mark.timeout(30)
GROUP = testing.GROUP_ID


def test_a_newer_version_created_after_a_lost_create_answer_is_applied_not_replayed(
    both: Sides,  # noqa: F811
    direct: Direct,  # noqa: F811
) -> None:
    """target-5xx at N = 2,000: the partner applied a create whose answer was lost; the next
    version's create got the first answer replayed (same Idempotency-Key) and was recorded as
    applied, so the partner kept the older version."""
    old = both.connec.state.write_as_app(GROUP, "organizations", {"id": "o1", "name": "Old"})[1]
    both.partner.state.faults.set(drop_after_write_rate=1.0)
    assert direct.from_connec("organizations", old).outcome == "retried"
    both.partner.state.faults.reset()
    new = both.connec.state.write_as_app(GROUP, "organizations", {"id": "o1", "name": "New"})[1]

    assert direct.from_connec("organizations", new).outcome == "applied"

    [company] = both.partner_records("companies")
    assert company["name"] == "New"


def test_a_request_log_read_that_fails_is_counted_against_the_run() -> None:
    """A drain whose answer is lost loses the writes it took from the sandbox: the poller used
    to skip such a read silently, leaving the applied ledger blind."""
    from types import SimpleNamespace

    import requests as http

    from chaos.harness import Run
    from connec_sync.http_server import serve_in_thread

    def broken(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"RecursionError"]

    server = serve_in_thread(broken)
    try:
        cluster = SimpleNamespace(partner_url=server.url, connec_url=server.url)
        run = Run(cluster, plan=None)  # type: ignore[arg-type]
        with pytest.raises(http.HTTPError):
            run.read_request_logs()
        run._poll_once()
        assert run.failed_reads == 1
    finally:
        server.stop()
