"""Faults on the real path: 429 with Retry-After, 5xx bursts and dropped answers, invalid
records among good ones, a crash between the target's answer and the ack, SIGTERM mid-work."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests

from sandboxes import testing
from tests.integration.pipeline.support import (
    GROUP,
    consumer_settings_head,
    publish,
    take_all,
    wait,
)
from tests.processes import Spawn
from tests.system import connec_envelope

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
ROOT = Path(__file__).parents[3]


def _at(entry: dict) -> float:
    return datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp()


def test_a_429_with_retry_after_is_honoured_before_any_further_request(start_system) -> None:
    # One applying thread: every request is sent after the previous one's answer, so any
    # request within Retry-After of a 429 would be a breach. (With several threads, requests
    # already sent when the 429 comes back still arrive; the gate holds back every thread's
    # next one: tests/unit/clients/test_http.py.)
    system = start_system(concurrency=1)
    system.sides.partner.state.faults.throttle(2.5, retry_after_s=1)
    for n in range(3):
        system.sides.connec.state.write_as_app(
            GROUP, "organizations", {"id": f"o{n}", "name": f"C{n}"}
        )

    wait(
        lambda: len(system.sides.partner_records("companies")) == 3,
        timeout_s=30,
        what="3 companies",
    )

    log = sorted(
        (
            e
            for e in system.sides.partner.state.request_log.entries()
            if e["path"].startswith("/v1/")
        ),
        key=_at,
    )
    throttled = [e for e in log if e["status"] == 429]
    assert throttled, "the throttle answered no request"
    for answer in throttled:
        following = [e for e in log if _at(e) > _at(answer)]
        assert not following or _at(following[0]) - _at(answer) >= 0.95  # Retry-After: 1
    assert len(system.sides.partner_writes("POST")) - len(throttled) <= 3


def test_5xx_bursts_and_dropped_answers_heal_while_invalid_records_are_dead_lettered(
    start_system,
) -> None:
    system = start_system()
    partner = system.sides.partner.state
    partner.faults.set(error_rate=0.4, drop_after_write_rate=0.2)
    people = system.sides.connec.state.seed(
        GROUP, "people", [{"first_name": f"P{n}"} for n in range(4)]
    )
    invalid = {**people[1], "first_name": {"not": "a name"}, "is_customer": "maybe"}
    body = {"people": [people[0], invalid, people[2], people[3]]}
    auth = (testing.API_ID, testing.API_KEY)
    answer = requests.post(
        system.receiver.url + "/maestrano/connec/notifications/default",
        json=body,
        auth=auth,
        timeout=10,
    )
    assert answer.status_code == 200

    wait(
        lambda: len(partner.records(testing.ACCOUNT, "contacts")) == 3,
        timeout_s=60,
        what="3 contacts",
    )
    partner.faults.reset()
    dead_queue = system.names.route("people", "to-app").dead_letter_queue
    dead_letters: list = []
    wait(lambda: dead_letters.extend(take_all(system.settings.broker, dead_queue)) or dead_letters)
    [dead] = dead_letters
    assert dead.headers["x-reason"] == "invalid"
    # the unreadable first name is dropped, and a contact without any name cannot be written
    assert set(json.loads(dead.headers["x-error"])) == {"first_name", "last_name"}
    names = sorted(c["first_name"] for c in partner.records(testing.ACCOUNT, "contacts"))
    assert names == ["P0", "P2", "P3"]  # each applied once despite retries and replays


def consumer_config(system, path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings = system.settings
    head = consumer_settings_head(settings.broker, settings.store.url, settings.connec.base_url)
    text = f"""{head}
[partner]
base_url = "{settings.partner.base_url}"
api_token = "{testing.API_TOKEN}"
timeout_s = 5
[[organizations]]
tenant = "default"
group_id = "{GROUP}"
account = "{testing.ACCOUNT}"
entities = {{people = "both"}}
"""
    path.write_text(text)
    return path


def start_consumer(spawn: Spawn, config: Path, **env: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "commands",
        "--config",
        str(config),
        "consume",
        "people",
        "--direction",
        "to-app",
    ]
    environ = {"PATH": "/usr/bin:/bin", **env}
    with (config.parent / "consumer.log").open("ab") as log:
        return spawn(command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)


def test_a_crash_between_the_partners_answer_and_the_ack_has_no_second_effect(
    start_system, tmp_path, spawn
) -> None:
    system = start_system(replicas=0)
    config = consumer_config(system, tmp_path / "consumer.toml")
    people = system.sides.connec.state.seed(
        GROUP, "people", [{"first_name": f"P{n}"} for n in range(3)]
    )
    publish(
        system.settings.broker,
        system.names.route("people", "to-app"),
        [connec_envelope("people", p) for p in people],
    )

    crashing = start_consumer(spawn, config, CONNEC_SYNC_CRASH_POINT="after_write_before_ack:2")
    assert crashing.wait(30) == 70  # crashed after the second record's write, before its ack
    survivor = start_consumer(spawn, config)
    try:
        wait(
            lambda: (
                len(system.sides.links("people")) == 3
                and all(
                    link.to_app_version and not link.to_app_pending
                    for link in system.sides.links("people")
                )
            ),
            timeout_s=40,
        )
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(15)
    contacts = system.sides.partner_records("contacts")
    assert sorted(c["first_name"] for c in contacts) == ["P0", "P1", "P2"]
    keys = [e["headers"].get("idempotency-key") for e in system.sides.partner_writes("POST")]
    assert len(set(keys)) == 3  # a repeated create carried the same key and made nothing new


def test_sigterm_with_work_in_flight_loses_nothing(start_system, tmp_path, spawn) -> None:
    system = start_system(replicas=0)
    config = consumer_config(system, tmp_path / "consumer.toml")
    system.sides.partner.state.faults.set(latency_s=0.05)
    people = system.sides.connec.state.seed(
        GROUP, "people", [{"first_name": f"P{n}"} for n in range(30)]
    )
    publish(
        system.settings.broker,
        system.names.route("people", "to-app"),
        [connec_envelope("people", p) for p in people],
    )

    first = start_consumer(spawn, config)
    wait(lambda: len(system.sides.partner_records("contacts")) >= 3, what="work in flight")
    stopped_at = time.monotonic()
    first.send_signal(signal.SIGTERM)
    assert first.wait(12) == 0 and time.monotonic() - stopped_at < 10
    system.start_consumers(1)

    wait(lambda: len(system.sides.partner_records("contacts")) == 30, timeout_s=60, what="all 30")
    assert len(system.sides.partner_writes("POST")) == 30
