"""Reading the applied ledger from the sandboxes' request logs: effects, no-ops, link-backs."""

from __future__ import annotations

import pytest

from chaos.ledgers import Applied, SenderLedger, parse_key, writes_in

pytestmark = pytest.mark.timeout(10)
KEY1, KEY2 = "connec|organizations|c1|1", "connec|organizations|c1|2"


def partner_write(method: str, path: str, status: int, record: dict) -> dict:
    return {"at": "t", "method": method, "path": path, "status": status, "answer": record}


def test_keys_name_their_record_and_version() -> None:
    assert parse_key(KEY2) == ("connec|organizations|c1", 2)
    assert parse_key("Consulting") is None and parse_key(None) is None


def test_a_create_and_a_patch_to_another_key_are_two_effects() -> None:
    applied = Applied("connec")
    entries = [
        partner_write("POST", "/v1/accounts/a/companies", 201, {"id": "co_1", "industry": KEY1}),
        partner_write(
            "PATCH", "/v1/accounts/a/companies/co_1", 200, {"id": "co_1", "industry": KEY2}
        ),
    ]
    applied.take(w for e in entries for w in writes_in(e))
    assert [w.key for w in applied.effects] == [KEY1, KEY2]


def test_a_write_that_leaves_the_key_as_it_was_is_not_an_effect() -> None:
    applied = Applied("connec")
    create = partner_write(
        "POST", "/v1/accounts/a/companies", 201, {"id": "co_1", "industry": KEY1}
    )
    applied.take(writes_in(create) + writes_in(create))  # an idempotent replay
    assert len(applied.effects) == 1 and applied.seen_writes == 2


def test_failed_writes_reads_and_control_requests_are_not_writes() -> None:
    record = {"id": "co_1", "industry": KEY1}
    assert writes_in(partner_write("POST", "/v1/accounts/a/companies", 503, record)) == []
    assert writes_in(partner_write("GET", "/v1/accounts/a/companies/co_1", 200, record)) == []
    assert writes_in(partner_write("POST", "/_sandbox/seed", 201, record)) == []


def test_connec_answers_are_unwrapped_and_identified_by_the_connec_id() -> None:
    ids = [
        {"id": "C9", "provider": "connec", "realm": "org-x"},
        {"id": "co_3", "provider": "demoapp", "realm": "a"},
    ]
    entry = partner_write(
        "POST",
        "/api/v2/cld-x/people",
        201,
        {"people": {"id": ids, "job_title": "app|people|c_3|1"}},
    )
    [write] = writes_in(entry)
    assert (write.target_id, write.key) == ("C9", "app|people|c_3|1")


def test_batch_results_each_count_on_their_own() -> None:
    results = [
        {
            "status": 200,
            "body": {"organizations": {"id": "C1", "industry": "app|organizations|co_1|1"}},
        },
        {"status": 400, "body": {"errors": []}},
    ]
    entry = {
        "at": "t",
        "method": "POST",
        "path": "/batch",
        "status": 200,
        "answer": {"results": results},
    }
    assert [w.target_id for w in writes_in(entry)] == ["C1"]


def test_link_backs_carrying_the_sources_own_key_are_ignored() -> None:
    applied = Applied("app")  # effects on Connec! come from the partner app
    link_back = partner_write(
        "PUT",
        "/api/v2/cld-x/organizations/C1",
        200,
        {"organizations": {"id": "C1", "industry": KEY1}},
    )
    applied.take(writes_in(link_back))
    assert applied.effects == [] and applied.seen_writes == 0


def test_the_sender_ledger_acknowledges_only_2xx_answers() -> None:
    ledger = SenderLedger()
    ledger.note_sent([KEY1])
    ledger.note_answer([KEY1], 503, 0.1)
    assert ledger.acked == set()
    ledger.note_answer([KEY1], 202, 0.1)
    assert ledger.acked == {KEY1} and ledger.statuses() == {503: 1, 202: 1}


def test_a_soak_draws_its_rounds_from_one_seeded_generator() -> None:
    from chaos.__main__ import SCENARIOS, soak_rounds

    names = list(SCENARIOS)
    rounds = soak_rounds(names, 20, seed=1234)
    assert rounds == soak_rounds(names, 20, seed=1234)  # the printed seed replays the soak
    assert len(set(rounds)) > 1
