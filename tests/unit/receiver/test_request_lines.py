"""The line each accepted notification logs: written, with a logger bound once, not at every
request (the lazy logger's binding cost 4 µs of every request, also when info is filtered out)."""

from __future__ import annotations

import json

import pytest
import structlog

from connec_sync import logs
from tests.unit.receiver.conftest import Receiver
from tests.unit.receiver.support import basic

NOTIFY = "/maestrano/connec/notifications/default"
PERSON = {"people": [{"id": "p1", "group_id": "cld-9ax2", "updated_at": "2026-11-27T10:11:13Z"}]}


def test_each_notification_logs_its_line_on_a_logger_bound_once(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("info", json_lines=True)
    binds: list[object] = []
    lazy_bind = structlog._config.BoundLoggerLazyProxy.bind

    def counted_bind(self, **values):  # type: ignore[no-untyped-def]
        binds.append(self)
        return lazy_bind(self, **values)

    monkeypatch.setattr(structlog._config.BoundLoggerLazyProxy, "bind", counted_bind)
    headers = {"Authorization": basic(), "Content-Type": "application/json"}
    for _ in range(3):
        assert (
            receiver.client.simulate_post(NOTIFY, json=PERSON, headers=headers).status_code == 200
        )

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    accepted = [line for line in lines if line["event"] == "notification_accepted"]
    assert [line["published"] for line in accepted] == [1, 1, 1]
    assert len(binds) <= 1
