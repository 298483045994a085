"""The control endpoints under /_sandbox/: seeding, edits elsewhere, inspection, reset."""

from __future__ import annotations

import requests

from sandboxes.testing import ACCOUNT, GROUP_ID, TENANT, WEBHOOK_SECRET


def control(handle, path: str) -> str:
    return f"{handle.url}/_sandbox{path}"


def test_connec_groups_subscriptions_and_seeds_are_set_up_over_http(connec_sandbox, receiver):
    assert requests.post(
        control(connec_sandbox, "/groups"), json={"group_id": "cld-2", "tenant": TENANT}, timeout=5
    ).json() == {"group_id": "cld-2", "channel_id": "org-2"}
    subscribed = requests.post(
        control(connec_sandbox, "/subscriptions"), json={"receiver": receiver.url}, timeout=5
    )
    assert subscribed.status_code == 201 and subscribed.json()[0]["tenant"] == TENANT
    seeded = requests.post(
        control(connec_sandbox, "/seed"),
        json={"group_id": "cld-2", "collection": "organizations", "records": [{"name": "Doe"}]},
        timeout=5,
    )
    assert seeded.status_code == 201
    listed = requests.get(control(connec_sandbox, "/groups/cld-2/organizations"), timeout=5).json()
    assert [o["name"] for o in listed["organizations"]] == ["Doe"]
    assert (
        requests.post(
            control(connec_sandbox, "/groups"), json={"group_id": "x", "tenant": "nope"}, timeout=5
        ).status_code
        == 400
    )


def test_connec_edits_as_another_app_and_as_a_user_are_notified(connec_sandbox, receiver):
    connec_sandbox.state.subscribe_receiver(receiver.url)
    url = control(connec_sandbox, f"/groups/{GROUP_ID}/people")
    created = requests.post(
        url, json={"record": {"id": "x1", "first_name": "Ann"}, "provider": "crm"}, timeout=5
    )
    assert created.status_code == 201
    record = created.json()["people"]
    assert {"id": "x1", "provider": "crm", "realm": "other-realm"} in record["id"]
    edited = requests.put(f"{url}/{record['id'][0]['id']}", json={"job_title": "Buyer"}, timeout=5)
    assert edited.json()["people"]["job_title"] == "Buyer"
    assert connec_sandbox.state.wait_for_notifications()
    bodies = [r.json() for r in receiver.requests]
    assert [p.get("job_title") for b in bodies for p in b["people"]] == [None, "Buyer"]


def test_state_requests_deliveries_and_reset_are_inspectable(connec_sandbox, connec_http):
    connec_http.post(
        f"{connec_sandbox.url}/api/v2/{GROUP_ID}/people", json={"people": {"first_name": "Ann"}}
    )
    [entry] = requests.get(control(connec_sandbox, "/requests"), timeout=5).json()
    assert (entry["method"], entry["status"], entry["body"]) == (
        "POST",
        201,
        {"people": {"first_name": "Ann"}},
    )
    assert entry["headers"]["connec-external-ids"] == "true"
    state = requests.get(control(connec_sandbox, "/state"), timeout=5).json()
    assert state["groups"][GROUP_ID]["records"]["people"][0]["first_name"] == "Ann"
    assert requests.get(control(connec_sandbox, "/deliveries"), timeout=5).json() == []
    assert requests.post(control(connec_sandbox, "/reset"), timeout=5).status_code == 200
    assert connec_sandbox.state.records(GROUP_ID, "people") == []
    assert len(connec_sandbox.state.request_log) == 1  # the reset request itself
    assert requests.delete(control(connec_sandbox, "/requests"), timeout=5).status_code == 204


def test_partner_accounts_receivers_seeds_and_user_edits_over_http(partner_sandbox, receiver):
    assert (
        requests.post(
            control(partner_sandbox, "/accounts"), json={"account": "acct-2"}, timeout=5
        ).status_code
        == 201
    )
    receivers = requests.post(
        control(partner_sandbox, "/receivers"),
        json={"url": receiver.url, "secret": WEBHOOK_SECRET},
        timeout=5,
    )
    assert receivers.json() == [receiver.url]
    seeded = requests.post(
        control(partner_sandbox, "/seed"),
        json={"account": "acct-2", "resource": "companies", "records": [{"name": "Doe"}]},
        timeout=5,
    ).json()["data"]
    url = control(partner_sandbox, f"/accounts/acct-2/companies/{seeded[0]['id']}")
    assert (
        requests.patch(url, json={"industry": "Retail"}, timeout=5).json()["industry"] == "Retail"
    )
    assert requests.delete(url, timeout=5).status_code == 204
    created = requests.post(
        control(partner_sandbox, "/accounts/acct-2/contacts"), json={"first_name": "Ann"}, timeout=5
    )
    assert created.status_code == 201
    bad = requests.post(control(partner_sandbox, "/accounts/acct-2/contacts"), json={}, timeout=5)
    assert bad.status_code == 422
    assert partner_sandbox.state.wait_for_events()
    actions = [e["action"] for r in receiver.requests for e in r.json()["events"]]
    assert actions == ["updated", "deleted", "created"]


def test_partner_reset_forgets_records_and_keys_but_keeps_accounts(partner_sandbox, partner_http):
    url = f"{partner_sandbox.url}/v1/accounts/{ACCOUNT}/companies"
    first = partner_http.post(url, json={"name": "Doe"}, headers={"Idempotency-Key": "k"}).json()
    requests.post(control(partner_sandbox, "/reset"), timeout=5)
    assert partner_http.get(url).json() == {"data": [], "next_cursor": None}
    again = partner_http.post(url, json={"name": "Eve"}, headers={"Idempotency-Key": "k"}).json()
    assert again["name"] == "Eve" and again["id"] == first["id"]  # ids restart after a reset


def test_a_read_of_the_request_log_does_not_log_its_own_answer(partner_sandbox):
    """Found by the fault suite's load row: each drain logged the entries it answered, so the
    next drain held them again, nested one level deeper each time, and every poll of a long run
    moved (and parsed) the whole history of the run."""
    drain = {"drain": "true"}
    requests.get(control(partner_sandbox, "/state"), timeout=5)
    sizes = []
    for _ in range(4):
        answer = requests.get(control(partner_sandbox, "/requests"), params=drain, timeout=5)
        sizes.append(len(answer.content))
        assert all(entry["answer"] is None for entry in answer.json())
    [entry] = answer.json()
    assert (entry["method"], entry["path"]) == ("GET", "/_sandbox/requests")
    assert sizes[1] == sizes[2] == sizes[3]
