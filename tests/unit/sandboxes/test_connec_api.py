"""The Connec! sandbox's REST API, per connec-api.md §2–§5."""

from __future__ import annotations

import requests

from sandboxes.testing import GROUP_ID, FakeClock, start_connec

APP = {"provider": "demoapp", "realm": "acct-1"}


def app_id(value: str) -> list[dict[str, str]]:
    return [{"id": value, **APP}]


def connec_id(record: dict) -> str:
    return next(e["id"] for e in record["id"] if e["provider"] == "connec")


def api(handle, path: str = "") -> str:
    return f"{handle.url}/api/v2/{GROUP_ID}{path}"


def test_requests_without_or_with_wrong_credentials_are_refused(connec_sandbox):
    for auth in (None, ("app-id", "wrong"), ("nobody", "app-key")):
        answer = requests.get(api(connec_sandbox, "/people"), auth=auth, timeout=5)
        assert answer.status_code == 401
        assert answer.json() == {"error": "Invalid credentials"}


def test_a_group_of_another_tenant_is_not_found():
    handle = start_connec(tenants={"default": ("app-id", "app-key"), "uat": ("u-id", "u-key")})
    try:
        answer = requests.get(api(handle, "/people"), auth=("u-id", "u-key"), timeout=5)
        assert answer.status_code == 404
    finally:
        handle.stop()


def test_a_post_creates_with_201_then_upserts_by_external_id_with_200(connec_sandbox, connec_http):
    first = connec_http.post(
        api(connec_sandbox, "/people"),
        json={"people": {"id": app_id("c_1"), "first_name": "Ann"}},
    )
    again = connec_http.post(
        api(connec_sandbox, "/people"),
        json={"people": {"id": app_id("c_1"), "last_name": "Lee"}},
    )
    assert first.status_code == 201 and again.status_code == 200
    record = again.json()["people"]
    assert connec_id(record) == connec_id(first.json()["people"])
    assert (record["first_name"], record["last_name"]) == ("Ann", "Lee")
    assert {"id": "c_1", **APP} in record["id"]
    assert len(connec_sandbox.state.records(GROUP_ID, "people")) == 1


def test_a_new_record_carries_the_common_fields(connec_sandbox, connec_http):
    answer = connec_http.post(
        api(connec_sandbox, "/organizations"), json={"organizations": {"name": "Doe"}}
    )
    record = answer.json()["organizations"]
    assert record["id"][0]["provider"] == "connec" and record["id"][0]["realm"].startswith("org-")
    assert record["group_id"] == GROUP_ID and record["channel_id"] == record["id"][0]["realm"]
    assert record["resource_type"] == "organizations" and record["status"] == "ACTIVE"
    assert record["code"] == "OR1"
    assert record["updated_at"].endswith("Z") and len(record["updated_at"]) == 20


def test_matching_fields_merge_into_an_existing_record(connec_sandbox, connec_http):
    connec_sandbox.state.seed(GROUP_ID, "items", [{"name": "Widget", "reference": "W-1"}])
    answer = connec_http.post(
        api(connec_sandbox, "/items"),
        json={
            "items": {
                "id": app_id("p_1"),
                "name": "Blue widget",
                "reference": "W-1",
                "opts": {"matching_fields": ["reference"]},
            }
        },
    )
    assert answer.status_code == 200
    [item] = connec_sandbox.state.records(GROUP_ID, "items")
    assert item["name"] == "Blue widget" and {"id": "p_1", **APP} in item["id"]


def test_a_get_answers_one_record_or_404(connec_sandbox, connec_http):
    [seeded] = connec_sandbox.state.seed(GROUP_ID, "people", [{"first_name": "Ann"}])
    one = connec_http.get(api(connec_sandbox, f"/people/{connec_id(seeded)}"))
    assert one.status_code == 200 and one.json()["people"]["first_name"] == "Ann"
    missing = connec_http.get(api(connec_sandbox, "/people/00000000-0000-4000-8000-000000000000"))
    assert missing.status_code == 404 and missing.json()["errors"][0]["status"] == "404"


def test_without_the_external_ids_header_ids_are_plain_connec_ids(connec_sandbox):
    connec_sandbox.state.seed(GROUP_ID, "organizations", [{"id": app_id("co_1"), "name": "Doe"}])
    connec_sandbox.state.seed(
        GROUP_ID, "people", [{"first_name": "Ann", "organization_id": app_id("co_1")}]
    )
    answer = requests.get(api(connec_sandbox, "/people"), auth=("app-id", "app-key"), timeout=5)
    [person] = answer.json()["people"]
    [org] = connec_sandbox.state.records(GROUP_ID, "organizations")
    assert isinstance(person["id"], str)
    assert person["organization_id"] == connec_id(org)


def test_pushed_references_resolve_to_the_connec_record_and_answer_its_id_array(
    connec_sandbox, connec_http
):
    connec_http.post(
        api(connec_sandbox, "/organizations"),
        json={"organizations": {"id": app_id("co_7"), "name": "Doe"}},
    )
    answer = connec_http.post(
        api(connec_sandbox, "/people"),
        json={
            "people": {"id": app_id("c_1"), "first_name": "Ann", "organization_id": app_id("co_7")}
        },
    )
    org = connec_sandbox.state.find(GROUP_ID, "organizations", "demoapp", "acct-1", "co_7")
    assert answer.json()["people"]["organization_id"] == org["id"]


def test_an_unresolvable_reference_answers_400_naming_the_field(connec_sandbox, connec_http):
    answer = connec_http.post(
        api(connec_sandbox, "/invoices"),
        json={"invoices": {"id": app_id("inv_1"), "lines": [{"item_id": app_id("p_404")}]}},
    )
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert error["field"] == "lines[0].item_id" and "lines[0].item_id" in error["detail"]
    assert connec_sandbox.state.records(GROUP_ID, "invoices") == []


def test_a_record_missing_its_name_is_refused(connec_sandbox, connec_http):
    answer = connec_http.post(
        api(connec_sandbox, "/people"), json={"people": {"job_title": "Buyer"}}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["detail"] == "first_name can't be blank"


def test_a_put_updates_only_the_fields_sent(connec_sandbox, connec_http):
    [seeded] = connec_sandbox.state.seed(
        GROUP_ID, "organizations", [{"name": "Doe", "address": {"billing": {"city": "Sydney"}}}]
    )
    answer = connec_http.put(
        api(connec_sandbox, f"/organizations/{connec_id(seeded)}"),
        json={"organizations": {"address": {"billing": {"postal_code": "2000"}}}},
    )
    record = answer.json()["organizations"]
    assert answer.status_code == 200 and record["name"] == "Doe"
    assert record["address"]["billing"] == {"city": "Sydney", "postal_code": "2000"}


def test_a_link_back_put_adds_the_app_ids_of_the_record_and_of_its_lines(
    connec_sandbox, connec_http
):
    [invoice] = connec_sandbox.state.seed(
        GROUP_ID,
        "invoices",
        [{"title": "T", "lines": [{"description": "a"}, {"description": "b"}]}],
    )
    lines = [{"id": line["id"] + app_id(f"li_{n}")} for n, line in enumerate(invoice["lines"])]
    answer = connec_http.put(
        api(connec_sandbox, f"/invoices/{connec_id(invoice)}"),
        json={"invoices": {"id": app_id("inv_9"), "lines": lines}},
    )
    record = answer.json()["invoices"]
    assert {"id": "inv_9", **APP} in record["id"]
    assert [line["description"] for line in record["lines"]] == ["a", "b"]
    assert [line["id"][1]["id"] for line in record["lines"]] == ["li_0", "li_1"]


def test_lines_are_merged_by_id_unless_sparse_is_false(connec_sandbox, connec_http):
    url = api(connec_sandbox, "/invoices")
    lines = [{"id": app_id("l1"), "description": "a"}, {"id": app_id("l2"), "description": "b"}]
    connec_http.post(url, json={"invoices": {"id": app_id("inv_1"), "lines": lines}})
    merged = connec_http.post(
        url,
        json={"invoices": {"id": app_id("inv_1"), "lines": [{"id": app_id("l2"), "quantity": 3}]}},
    ).json()["invoices"]
    assert [(line["description"], line.get("quantity")) for line in merged["lines"]] == [
        ("a", None),
        ("b", 3),
    ]
    replaced = connec_http.post(
        url,
        json={
            "invoices": {
                "id": app_id("inv_1"),
                "lines": [{"id": app_id("l2")}],
                "opts": {"sparse": False},
            }
        },
    ).json()["invoices"]
    assert [line["description"] for line in replaced["lines"]] == ["b"]


def test_a_batch_answers_each_op_in_order_and_can_partly_fail(connec_sandbox, connec_http):
    ops = [
        {
            "method": "post",
            "url": f"/api/v2/{GROUP_ID}/people/",
            "params": {"people": {"id": app_id("c_1"), "first_name": "Cy"}},
        },
        {
            "method": "post",
            "url": f"/api/v2/{GROUP_ID}/people/",
            "params": {
                "people": {
                    "id": app_id("c_2"),
                    "first_name": "Bo",
                    "organization_id": app_id("co_404"),
                }
            },
        },
        {
            "method": "put",
            "url": f"/api/v2/{GROUP_ID}/people/00000000-0000-4000-8000-000000000000",
            "params": {"people": {"id": app_id("c_3")}},
        },
        {
            "method": "post",
            "url": f"/api/v2/{GROUP_ID}/people/",
            "params": {"people": {"id": app_id("c_1"), "last_name": "Park"}},
        },
    ]
    answer = connec_http.post(f"{connec_sandbox.url}/batch", json={"sequential": True, "ops": ops})
    results = answer.json()["results"]
    assert answer.status_code == 200
    assert [r["status"] for r in results] == [201, 400, 404, 200]
    assert results[1]["body"]["errors"][0]["field"] == "organization_id"
    assert results[3]["body"]["people"]["last_name"] == "Park"


def test_the_company_is_a_singleton(connec_sandbox, connec_http):
    url = api(connec_sandbox, "/company")
    connec_http.put(url, json={"company": {"name": "Acme"}})
    assert connec_http.get(url).json()["company"]["name"] == "Acme"


def test_a_write_that_changes_nothing_keeps_updated_at():
    clock = FakeClock()
    handle = start_connec(clock=clock)
    try:
        with requests.Session() as http:
            http.auth, http.headers["CONNEC-EXTERNAL-IDS"] = ("app-id", "app-key"), "true"
            body = {"people": {"id": app_id("c_1"), "first_name": "Ann"}}
            first = http.post(api(handle, "/people"), json=body).json()["people"]
            clock.advance(minutes=5)
            same = http.post(api(handle, "/people"), json=body).json()["people"]
            changed = http.post(
                api(handle, "/people"), json={"people": {"id": app_id("c_1"), "last_name": "L"}}
            ).json()["people"]
        assert same["updated_at"] == first["updated_at"] == "2026-11-27T10:00:00Z"
        assert changed["updated_at"] == "2026-11-27T10:05:00Z"
    finally:
        handle.stop()


def test_malformed_bodies_and_unknown_collections_are_refused(connec_sandbox, connec_http):
    url = api(connec_sandbox, "/people")
    assert (
        connec_http.post(
            url, data=b"{nope", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert connec_http.post(url, json={"organizations": {"name": "x"}}).status_code == 400
    assert connec_http.get(api(connec_sandbox, "/venues")).status_code == 404
    assert connec_http.get(url, params={"$top": "zero"}).status_code == 400
