"""Partner change events: signed per Standard Webhooks, buffered, retried with the same id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from sandboxes.testing import ACCOUNT, WEBHOOK_SECRET, start_partner


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The documented algorithm, written independently of the sandbox's own signer."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [
        s.split(",", 1)[1] for s in headers["webhook-signature"].split() if s.startswith("v1,")
    ]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def test_a_user_edit_sends_a_signed_event_that_verifies(partner_sandbox, receiver):
    state = partner_sandbox.state
    state.subscribe(receiver.url + "/app/events", WEBHOOK_SECRET)
    [contact] = state.seed(ACCOUNT, "contacts", [{"first_name": "Ann"}])
    state.user_edit(ACCOUNT, "contacts", contact["id"], {"last_name": "Lee"})
    [request] = receiver.wait_for(1)
    assert request.path == "/app/events"
    assert request.headers["webhook-id"].startswith("msg_")
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 5
    assert verify(WEBHOOK_SECRET, request.headers, request.body)
    assert not verify("whsec_" + base64.b64encode(b"other").decode(), request.headers, request.body)
    body = request.json()
    [event] = body["events"]
    assert body["account"] == ACCOUNT
    assert (event["resource"], event["action"]) == ("contacts", "updated")
    assert (
        event["record"]["last_name"] == "Lee"
        and event["occurred_at"] == event["record"]["updated_at"]
    )


def test_each_rotated_secret_gets_its_own_signature(partner_sandbox, receiver):
    old = "whsec_" + base64.b64encode(b"old-secret").decode()
    partner_sandbox.state.subscribe(receiver.url, [old, WEBHOOK_SECRET])
    partner_sandbox.state.user_create(ACCOUNT, "companies", {"name": "Doe"})
    [request] = receiver.wait_for(1)
    assert len(request.headers["webhook-signature"].split()) == 2
    assert verify(old, request.headers, request.body) and verify(
        WEBHOOK_SECRET, request.headers, request.body
    )


def test_events_in_the_window_share_one_delivery(receiver):
    handle = start_partner(window_s=0.3)
    try:
        state = handle.state
        state.subscribe(receiver.url, WEBHOOK_SECRET)
        company = state.user_create(ACCOUNT, "companies", {"name": "Doe"})
        state.user_edit(ACCOUNT, "companies", company["id"], {"archived": True})
        state.user_delete(ACCOUNT, "companies", company["id"])
        assert state.wait_for_events()
        [request] = receiver.requests
        events = request.json()["events"]
        assert [e["action"] for e in events] == ["created", "updated", "deleted"]
        assert events[1]["record"]["archived"] is True
        assert events[2]["record"] == {"id": company["id"]}
    finally:
        handle.stop()


def test_a_failed_delivery_is_retried_with_the_same_webhook_id_and_a_fresh_signature(
    partner_sandbox, receiver
):
    receiver.answer_with(503, 500)
    partner_sandbox.state.subscribe(receiver.url, WEBHOOK_SECRET)
    partner_sandbox.state.user_create(ACCOUNT, "products", {"name": "Widget"})
    attempts = receiver.wait_for(3)
    assert len({a.headers["webhook-id"] for a in attempts}) == 1
    assert all(verify(WEBHOOK_SECRET, a.headers, a.body) for a in attempts)
    assert attempts[2].at - attempts[1].at >= 0.09
    assert partner_sandbox.state.wait_for_events()
    assert [d["outcome"] for d in partner_sandbox.state.deliveries()] == [
        "retrying",
        "retrying",
        "delivered",
    ]


def test_events_for_api_writes_can_be_switched_on(receiver, partner_http):
    handle = start_partner(events_for_api_writes=True)
    try:
        handle.state.subscribe(receiver.url, WEBHOOK_SECRET)
        url = f"{handle.url}/v1/accounts/{ACCOUNT}/companies"
        partner_http.post(url, json={"name": "Doe"})
        [request] = receiver.wait_for(1)
        assert request.json()["events"][0]["action"] == "created"
    finally:
        handle.stop()
