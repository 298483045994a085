"""Connec! webhook notifications: who gets them, how they are framed, and their retries."""

from __future__ import annotations

import base64

from sandboxes.testing import GROUP_ID, TENANT, start_connec

APP = {"provider": "demoapp", "realm": "acct-1"}


def basic(api_id: str, api_key: str) -> str:
    return "Basic " + base64.b64encode(f"{api_id}:{api_key}".encode()).decode()


def people_url(handle, group: str = GROUP_ID) -> str:
    return f"{handle.url}/api/v2/{group}/people"


def test_a_change_through_the_api_is_notified_to_the_app_that_made_it(
    connec_sandbox, connec_http, receiver
):
    connec_sandbox.state.subscribe_receiver(receiver.url)
    connec_http.post(
        people_url(connec_sandbox),
        json={"people": {"id": [{"id": "c_1", **APP}], "first_name": "Ann"}},
    )
    [request] = receiver.wait_for(1)
    assert request.path == f"/maestrano/connec/notifications/{TENANT}"
    assert request.headers["authorization"] == basic("app-id", "app-key")
    [person] = request.json()["people"]
    assert person["first_name"] == "Ann" and {"id": "c_1", **APP} in person["id"]
    assert person["group_id"] == GROUP_ID and person["resource_type"] == "people"


def test_changes_within_the_window_share_one_post_across_collections_and_groups(receiver):
    handle = start_connec(window_s=0.3)
    try:
        state = handle.state
        state.add_group("cld-other", TENANT)
        state.subscribe_app(receiver.url, TENANT)
        state.write_as_app(GROUP_ID, "organizations", {"id": "o1", "name": "Doe"})
        state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "Ann"})
        state.write_as_app("cld-other", "people", {"id": "p2", "first_name": "Bo"})
        assert state.wait_for_notifications()
        [request] = receiver.requests
        body = request.json()
        assert [o["name"] for o in body["organizations"]] == ["Doe"]
        assert {(p["group_id"], p["first_name"]) for p in body["people"]} == {
            (GROUP_ID, "Ann"),
            ("cld-other", "Bo"),
        }
    finally:
        handle.stop()


def test_only_apps_subscribed_to_the_groups_tenant_are_notified(receiver):
    handle = start_connec(tenants={"default": ("a", "b"), "uat": ("c", "d")})
    try:
        handle.state.subscribe_app(receiver.url + "/uat", "uat")
        handle.state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "Ann"})
        assert handle.state.wait_for_notifications()
        assert receiver.requests == []
    finally:
        handle.stop()


def test_a_failed_notification_is_retried_until_the_app_accepts_it(connec_sandbox, receiver):
    receiver.answer_with(503, 500)
    connec_sandbox.state.subscribe_receiver(receiver.url)
    connec_sandbox.state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "Ann"})
    first, second, third = receiver.wait_for(3)
    assert first.body == second.body == third.body
    assert second.at - first.at >= 0.04 and third.at - second.at >= 0.09
    assert connec_sandbox.state.wait_for_notifications()
    outcomes = [a["outcome"] for a in connec_sandbox.state.deliveries()]
    assert outcomes == ["retrying", "retrying", "delivered"]


def test_a_notification_is_given_up_after_the_last_retry(connec_sandbox, receiver):
    receiver.default_status = 500
    connec_sandbox.state.subscribe_receiver(receiver.url)
    connec_sandbox.state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "Ann"})
    assert connec_sandbox.state.wait_for_notifications()
    assert len(receiver.requests) == 4  # the first attempt and three retries (test schedule)
    assert connec_sandbox.state.deliveries()[-1]["outcome"] == "gave_up"


def test_a_write_that_changes_nothing_is_not_notified(connec_sandbox, receiver):
    connec_sandbox.state.subscribe_receiver(receiver.url)
    connec_sandbox.state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "Ann"})
    assert connec_sandbox.state.wait_for_notifications()
    connec_sandbox.state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "Ann"})
    assert connec_sandbox.state.wait_for_notifications()
    assert len(receiver.requests) == 1


def test_seeding_does_not_notify_but_a_user_edit_does(connec_sandbox, receiver):
    state = connec_sandbox.state
    state.subscribe_receiver(receiver.url)
    [seeded] = state.seed(GROUP_ID, "people", [{"first_name": "Ann"}])
    assert state.wait_for_notifications() and receiver.requests == []
    state.user_edit(GROUP_ID, "people", seeded["id"][0]["id"], {"job_title": "Buyer"})
    [request] = receiver.wait_for(1)
    assert request.json()["people"][0]["job_title"] == "Buyer"


def test_an_unreachable_app_is_retried_and_logged(connec_sandbox):
    connec_sandbox.state.subscribe_app("http://127.0.0.1:9/nothing-listens", TENANT)
    connec_sandbox.state.write_as_app(GROUP_ID, "people", {"id": "p1", "first_name": "Ann"})
    assert connec_sandbox.state.wait_for_notifications()
    attempts = connec_sandbox.state.deliveries()
    assert len(attempts) == 4 and attempts[0]["error"] == "ConnectionError"
