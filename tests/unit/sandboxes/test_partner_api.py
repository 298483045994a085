"""The partner sandbox's REST API, per partner-api.md §1–§3."""

from __future__ import annotations

import requests

from sandboxes.testing import ACCOUNT, FakeClock, partner_session, start_partner


def api(handle, path: str) -> str:
    return f"{handle.url}/v1/accounts/{ACCOUNT}{path}"


def test_requests_without_or_with_a_wrong_token_are_refused(partner_sandbox):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}):
        answer = requests.get(api(partner_sandbox, "/companies"), headers=headers, timeout=5)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthorized"


def test_a_post_creates_a_record_with_server_fields_and_ignores_unknown_ones(
    partner_sandbox, partner_http
):
    answer = partner_http.post(
        api(partner_sandbox, "/companies"), json={"name": "Doe", "colour": "red"}
    )
    record = answer.json()
    assert answer.status_code == 201
    assert record["id"].startswith("co_") and record["archived"] is False
    assert record["created_at"] == record["updated_at"] and len(record["updated_at"]) == 27
    assert "colour" not in record and record["email"] is None


def test_an_invalid_record_answers_422_with_field_errors(partner_sandbox, partner_http):
    answer = partner_http.post(
        api(partner_sandbox, "/invoices"),
        json={
            "kind": "gift",
            "company_id": "co_404",
            "issue_date": "27/11/2026",
            "lines": [{"product_id": "p_404", "quantity": "two"}],
        },
    )
    assert answer.status_code == 422
    fields = answer.json()["error"]["fields"]
    assert set(fields) == {
        "kind",
        "company_id",
        "issue_date",
        "lines[0].product_id",
        "lines[0].quantity",
    }
    assert partner_sandbox.state.records(ACCOUNT, "invoices") == []


def test_required_names_are_checked(partner_sandbox, partner_http):
    company = partner_http.post(api(partner_sandbox, "/companies"), json={"email": "a@b.c"})
    contact = partner_http.post(api(partner_sandbox, "/contacts"), json={"email": "a@b.c"})
    product = partner_http.post(api(partner_sandbox, "/products"), json={"name": " "})
    assert (company.status_code, contact.status_code, product.status_code) == (422, 422, 422)
    assert contact.json()["error"]["fields"] == {
        "first_name": ["first_name or last_name is required"]
    }
    assert (
        partner_http.post(api(partner_sandbox, "/contacts"), json={"last_name": "Lee"}).status_code
        == 201
    )


def test_unknown_ids_accounts_and_resources_answer_404(partner_sandbox, partner_http):
    assert partner_http.get(api(partner_sandbox, "/contacts/c_404")).status_code == 404
    assert partner_http.patch(api(partner_sandbox, "/contacts/c_404"), json={}).status_code == 404
    assert partner_http.delete(api(partner_sandbox, "/contacts/c_404")).status_code == 404
    assert partner_http.get(f"{partner_sandbox.url}/v1/accounts/nope/contacts").status_code == 404
    assert partner_http.get(api(partner_sandbox, "/venues")).status_code == 404


def test_a_patch_changes_only_the_fields_sent(partner_sandbox, partner_http):
    created = partner_http.post(
        api(partner_sandbox, "/contacts"), json={"first_name": "Ann", "email": "a@x"}
    )
    url = api(partner_sandbox, f"/contacts/{created.json()['id']}")
    answer = partner_http.patch(url, json={"job_title": "Buyer", "archived": True})
    record = answer.json()
    assert answer.status_code == 200
    assert (record["first_name"], record["email"], record["job_title"]) == ("Ann", "a@x", "Buyer")
    assert record["archived"] is True and record["updated_at"] > record["created_at"]
    assert partner_http.patch(url, json={"first_name": None, "last_name": None}).status_code == 422


def test_a_deleted_record_answers_204_then_404(partner_sandbox, partner_http):
    created = partner_http.post(api(partner_sandbox, "/products"), json={"name": "Widget"}).json()
    url = api(partner_sandbox, f"/products/{created['id']}")
    assert partner_http.delete(url).status_code == 204
    assert partner_http.get(url).status_code == 404


def test_a_repeated_post_with_the_same_idempotency_key_creates_nothing(
    partner_sandbox, partner_http
):
    url, key = api(partner_sandbox, "/companies"), {"Idempotency-Key": "create-co-1"}
    first = partner_http.post(url, json={"name": "Doe"}, headers=key)
    again = partner_http.post(url, json={"name": "Doe"}, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(partner_sandbox.state.records(ACCOUNT, "companies")) == 1
    assert (
        partner_http.post(
            url, json={"name": "x"}, headers={"Idempotency-Key": "k" * 256}
        ).status_code
        == 400
    )


def test_an_idempotency_key_expires_after_24_hours():
    clock = FakeClock()
    handle = start_partner(clock=clock)
    try:
        with partner_session() as http:
            key = {"Idempotency-Key": "create-co-1"}
            first = http.post(api(handle, "/companies"), json={"name": "Doe"}, headers=key).json()
            clock.advance(hours=23, minutes=59)
            assert (
                http.post(api(handle, "/companies"), json={"name": "Doe"}, headers=key).json()
                == first
            )
            clock.advance(minutes=2)
            later = http.post(api(handle, "/companies"), json={"name": "Doe"}, headers=key).json()
        assert later["id"] != first["id"]
    finally:
        handle.stop()


def test_cursor_pagination_from_updated_since_reaches_the_last_page(partner_sandbox, partner_http):
    clock = FakeClock()
    partner_sandbox.state.clock = clock
    for n in range(5):
        partner_sandbox.state.seed(ACCOUNT, "products", [{"name": f"P{n}"}])
        clock.advance(seconds=1)
    since = "2026-11-27T10:00:01Z"
    url, params, names, pages = (
        api(partner_sandbox, "/products"),
        {"updated_since": since, "limit": 2},
        [],
        0,
    )
    while True:
        body = partner_http.get(url, params=params).json()
        names += [p["name"] for p in body["data"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        params = {**params, "cursor": body["next_cursor"]}
    assert names == ["P1", "P2", "P3", "P4"] and pages == 2
    assert partner_http.get(url, params={"cursor": "garbage"}).status_code == 400
    assert partner_http.get(url, params={"updated_since": "yesterday"}).status_code == 400


def test_an_edited_record_moves_to_the_end_of_the_updated_at_order(partner_sandbox, partner_http):
    state = partner_sandbox.state
    first, second = state.seed(ACCOUNT, "companies", [{"name": "A"}, {"name": "B"}])
    partner_http.patch(
        api(partner_sandbox, f"/companies/{first['id']}"), json={"industry": "Retail"}
    )
    data = partner_http.get(api(partner_sandbox, "/companies")).json()["data"]
    assert [c["id"] for c in data] == [second["id"], first["id"]]


def test_line_ids_are_assigned_by_the_server_and_kept_on_update(partner_sandbox, partner_http):
    lines = [
        {"description": "a", "quantity": 2, "unit_amount": 10.0, "tax_rate": 10.0},
        {"description": "b", "quantity": 1, "unit_amount": 5.0, "discount_percent": 50},
    ]
    invoice = partner_http.post(api(partner_sandbox, "/invoices"), json={"lines": lines}).json()
    line_ids = [line["id"] for line in invoice["lines"]]
    assert all(i.startswith("li_") for i in line_ids) and invoice["total"] == 24.5
    url = api(partner_sandbox, f"/invoices/{invoice['id']}")
    kept = [{"id": line_ids[1], "quantity": 2}, {"description": "c", "unit_amount": 1.0}]
    updated = partner_http.patch(url, json={"lines": kept}).json()
    assert updated["lines"][0]["id"] == line_ids[1] and updated["lines"][0]["description"] == "b"
    assert updated["lines"][1]["id"] not in line_ids and updated["total"] == 6.0
    unknown = partner_http.patch(url, json={"lines": [{"id": "li_999"}]})
    assert unknown.status_code == 422 and "lines[0].id" in unknown.json()["error"]["fields"]


def test_the_balance_is_the_total_less_the_payments_allocated(partner_sandbox, partner_http):
    invoice = partner_http.post(
        api(partner_sandbox, "/invoices"), json={"lines": [{"quantity": 1, "unit_amount": 100.0}]}
    ).json()
    payment = {"amount": 30.0, "allocations": [{"invoice_id": invoice["id"], "amount": 30.0}]}
    assert partner_http.post(api(partner_sandbox, "/payments"), json=payment).status_code == 201
    bad = {"allocations": [{"invoice_id": "inv_404"}]}
    assert partner_http.post(api(partner_sandbox, "/payments"), json=bad).status_code == 422
    again = partner_http.get(api(partner_sandbox, f"/invoices/{invoice['id']}")).json()
    assert (again["total"], again["balance"]) == (100.0, 70.0)


def test_writes_through_the_api_emit_no_events_by_default(partner_sandbox, partner_http, receiver):
    partner_sandbox.state.subscribe(receiver.url + "/app/events", "whsec_" + "c2VjcmV0")
    partner_http.post(api(partner_sandbox, "/companies"), json={"name": "Doe"})
    assert partner_sandbox.state.wait_for_events()
    assert receiver.requests == []


def test_the_profile_is_one_record_per_account_read_and_patched_never_created_or_deleted(
    partner_sandbox, partner_http
):
    url = api(partner_sandbox, "/profile")
    blank = partner_http.get(url).json()
    assert blank["id"] == "profile" and blank["name"] is None
    patched = partner_http.patch(url, json={"name": "Doe", "timezone": "Australia/Sydney"})
    assert patched.status_code == 200 and patched.json()["name"] == "Doe"
    assert partner_http.get(url).json()["timezone"] == "Australia/Sydney"
    assert partner_http.patch(url, json={"address": {"country": "Australia"}}).status_code == 422
    refused = partner_http.post(url, json={"name": "Another"})
    assert refused.status_code == 405 and "one record per account" in refused.text
    assert partner_http.delete(api(partner_sandbox, "/profile/profile")).status_code == 405
    assert partner_http.patch(api(partner_sandbox, "/contacts"), json={}).status_code == 405


def test_quotes_and_orders_get_a_total_and_a_sales_order_refers_to_its_quote(
    partner_sandbox, partner_http
):
    line = {"quantity": 2, "unit_amount": 10.0, "tax_rate": 10.0}
    quote = partner_http.post(api(partner_sandbox, "/quotes"), json={"lines": [line]}).json()
    assert quote["total"] == 22.0 and quote["status"] == "draft"
    order = {"quote_id": quote["id"], "lines": [line]}
    assert partner_http.post(api(partner_sandbox, "/sales_orders"), json=order).status_code == 201
    wrong = partner_http.post(api(partner_sandbox, "/sales_orders"), json={"quote_id": "q_404"})
    assert wrong.status_code == 422 and "quote_id" in wrong.json()["error"]["fields"]
