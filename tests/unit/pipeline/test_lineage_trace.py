"""Lineage and `trace`: a record applied, one waiting for a missing reference, one retried
after a 503 and one dead-lettered, both ways, each with its journey and its one-line reason."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import falcon.testing
import pytest

from commands import main
from commands.receiver import operator_app
from producers.receiver.metrics import ReceiverMetrics
from tests.system import connec_envelope, partner_envelope
from tests.unit.pipeline.lineage_flow import ACCOUNT, GROUP, flowing, steps

pytestmark = pytest.mark.timeout(90)


def linked(found) -> bool:  # type: ignore[no-untyped-def]
    return "linked_back" in steps(found) or found["record"]["link"] == "linked"


def test_an_applied_record_s_journey_both_ways_from_either_id(
    sqlite_store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with flowing(sqlite_store_url) as flow:
        record = flow.both.connec.state.write_as_app(
            GROUP, "organizations", {"id": "o1", "name": "Doe"}
        )[1]
        connec_id = record["id"][0]["id"]
        flow.publish(connec_envelope("organizations", record))
        to_app = flow.wait(lambda f: "linked_back" in steps(f), "linked back", connec_id=connec_id)
        company = flow.both.partner.state.user_create(ACCOUNT, "companies", {"name": "Co"})
        envelope = partner_envelope("organizations", company, "created")
        flow.publish(envelope)
        to_connec = flow.wait(lambda f: "acked" in steps(f), "acked", partner_id=company["id"])

    assert steps(to_app) == ["received", "delivered", "mapped", "written", "acked", "linked_back"]
    [written] = [e for e in to_app["events"] if e["step"] == "written"]
    partner_id = to_app["record"]["partner_id"]
    assert (written["method"], written["target"], written["other_id"]) == (
        "POST",
        "partner",
        partner_id,
    )
    assert len(written["idempotency_key"]) == 64 and written["outcome"] == "created"
    assert to_app["events"][0]["origin"] == "webhook" and to_app["record"]["why_stuck"] is None
    assert to_app["record"]["link"] == "linked"
    assert flow.trace(partner_id=partner_id)["events"] == to_app["events"]

    assert steps(to_connec) == ["received", "delivered", "mapped", "written", "acked"]
    [written] = [e for e in to_connec["events"] if e["step"] == "written"]
    assert (written["method"], written["target"]) == ("POST", "connec")
    assert to_connec["record"]["connec_id"] == written["other_id"] is not None
    by_message = flow.trace(message_id=envelope.message_id)
    assert by_message["events"] == to_connec["events"]

    capsys.readouterr()  # the worker's log lines
    assert (
        main(
            [
                "--config",
                _config(sqlite_store_url, flow),
                "trace",
                "--partner-id",
                company["id"],
                "--json",
            ]
        )
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"record", "events"}
    assert [e["step"] for e in printed["events"]] == steps(to_connec)
    assert all({"at", "step", "outcome"} <= set(e) for e in printed["events"])
    config = _config(sqlite_store_url, flow)
    assert main(["--config", config, "trace", "--connec-id", connec_id]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith(f"organizations  Connec! {connec_id} <-> partner {partner_id}")
    assert text[1:3] == ["link: linked", "not stuck"] and len(text) == 3 + len(to_app["events"])
    assert "written" in text[6] and "POST  partner" in text[6]
    assert main(["--config", config, "trace", "--partner-id", "nobody"]) == 1


def test_records_waiting_for_a_missing_reference_say_what_they_wait_for(
    sqlite_store_url: str,
) -> None:
    with flowing(sqlite_store_url, delays=(60,)) as flow:
        state = flow.both.connec.state
        organization = state.write_as_app(GROUP, "organizations", {"id": "o1", "name": "Doe"})[1]
        person = state.write_as_app(
            GROUP, "people", {"id": "p1", "last_name": "Lee", "organization_id": organization["id"]}
        )[1]
        flow.publish(connec_envelope("people", person))
        company = flow.both.partner.state.user_create(ACCOUNT, "companies", {"name": "Co"})
        contact = flow.both.partner.state.user_create(
            ACCOUNT, "contacts", {"first_name": "Al", "company_id": company["id"]}
        )
        flow.publish(partner_envelope("people", contact, "created"))
        to_app = flow.wait(
            lambda f: "retried" in steps(f), "retried", connec_id=person["id"][0]["id"]
        )
        to_connec = flow.wait(lambda f: "retried" in steps(f), "retried", partner_id=contact["id"])

    for found in (to_app, to_connec):
        assert steps(found) == ["received", "delivered", "retried"]
        why = found["record"]["why_stuck"]
        assert why.startswith("waiting for a missing reference: ") and " until " in why
    assert "organization" in to_app["record"]["why_stuck"]
    assert company["id"] in to_connec["record"]["why_stuck"]


def test_a_record_retried_after_a_503_shows_the_retry_then_the_write(sqlite_store_url: str) -> None:
    with flowing(sqlite_store_url) as flow:
        flow.both.partner.state.faults.set(error_rate=1.0, error_statuses=[503])
        flow.both.connec.state.faults.set(error_rate=1.0, error_statuses=[503])
        record = flow.both.connec.state.write_as_app(
            GROUP, "organizations", {"id": "o1", "name": "Doe"}
        )[1]
        connec_id = record["id"][0]["id"]
        company = flow.both.partner.state.user_create(ACCOUNT, "companies", {"name": "Co"})
        flow.publish(connec_envelope("organizations", record))
        flow.publish(partner_envelope("organizations", company, "created"))
        retried = [
            flow.wait(lambda f: "retried" in steps(f), "retried", connec_id=connec_id),
            flow.wait(lambda f: "retried" in steps(f), "retried", partner_id=company["id"]),
        ]
        flow.both.partner.state.faults.set(error_rate=0.0)
        flow.both.connec.state.faults.set(error_rate=0.0)
        applied = [
            flow.wait(lambda f: "written" in steps(f), "written", connec_id=connec_id),
            flow.wait(lambda f: "written" in steps(f), "written", partner_id=company["id"]),
        ]

    for waiting, done in zip(retried, applied, strict=True):
        why = waiting["record"]["why_stuck"]
        assert why.startswith("retried as transient_error (attempt 1): 503") and " until " in why
        assert steps(done)[:5] == ["received", "delivered", "retried", "delivered", "mapped"]
        [first, second] = [e for e in done["events"] if e["step"] == "delivered"]
        assert (first["outcome"], first["attempt"], second["outcome"], second["attempt"]) == (
            "retried",
            1,
            "applied",
            2,
        )
        assert done["record"]["why_stuck"] is None


def test_a_dead_lettered_record_names_the_invalid_fields_both_ways(sqlite_store_url: str) -> None:
    with flowing(sqlite_store_url) as flow:
        bad = {
            "id": [{"id": "c-1", "provider": "connec", "realm": "org"}],
            "name": 12,
            "updated_at": "2026-11-27T10:00:00Z",
        }
        flow.publish(connec_envelope("organizations", bad))
        flow.publish(
            partner_envelope(
                "organizations", {"id": "co_9", "name": 12, "updated_at": "2026-11-27T10:00:00Z"}
            )
        )
        to_app = flow.wait(lambda f: "dead_lettered" in steps(f), "dead-lettered", connec_id="c-1")
        to_connec = flow.wait(
            lambda f: "dead_lettered" in steps(f), "dead-lettered", partner_id="co_9"
        )

        page = falcon.testing.TestClient(
            operator_app(flow.both.settings, flow.both.store, ReceiverMetrics())
        )
        shown = page.simulate_get("/trace", params={"id": "co_9"})
        status = page.simulate_get("/status")

    for found in (to_app, to_connec):
        assert steps(found) == ["received", "delivered", "dead_lettered"]
        assert found["record"]["why_stuck"].startswith("dead-lettered as invalid: field name (")
    # to the app, the unreadable name is dropped and the write then lacks it: the record was
    # already claimed (its Connec! id only); to Connec!, validation refuses it before any claim
    assert to_app["record"]["link"] == "half linked (one side's id only)"
    assert to_connec["record"]["link"] == "not linked"
    assert shown.status_code == 200 and "stuck: dead-lettered as invalid: field name" in shown.text
    assert shown.text.count("<tr>") == 4 and "<script" not in shown.text
    assert 'action="/trace"' in status.text  # the status page's search box


def _config(store_url: str, flow) -> str:  # type: ignore[no-untyped-def]
    """A settings file naming the test's store (what `trace` reads)."""
    path = Path(tempfile.mkdtemp(prefix="trace-")) / "config.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n')
    return str(path)


def test_a_record_of_an_organization_not_linked_says_which(sqlite_store_url: str) -> None:
    with flowing(sqlite_store_url) as flow:
        record = {
            "id": [{"id": "c-7", "provider": "connec"}],
            "name": "Lost",
            "updated_at": "2026-11-27T10:00:00Z",
        }
        envelope = dataclasses.replace(
            connec_envelope("organizations", record), group_id="cld-lost", account=None
        )
        flow.publish(envelope)
        found = flow.wait(lambda f: "skipped" in steps(f), "skipped", connec_id="c-7")

    assert steps(found) == ["received", "delivered", "skipped", "acked"]
    assert (
        found["record"]["why_stuck"] == "skipped as organization_not_linked (organization cld-lost)"
    )


def test_a_record_applied_with_a_dropped_field_traces_it_in_its_mapped_step(
    sqlite_store_url: str,
) -> None:
    with flowing(sqlite_store_url) as flow:
        state = flow.both.connec.state
        record = state.write_as_app(GROUP, "organizations", {"id": "o1", "name": "Doe"})[1]
        flow.publish(connec_envelope("organizations", {**record, "is_customer": "maybe"}))
        connec_id = record["id"][0]["id"]
        found = flow.wait(lambda f: "acked" in steps(f), "applied", connec_id=connec_id)

    [mapped] = [e for e in found["events"] if e["step"] == "mapped"]
    assert [d["field"] for d in mapped["dropped"]] == ["is_customer"]
    assert found["record"]["why_stuck"] is None
