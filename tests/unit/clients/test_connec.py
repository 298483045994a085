"""ConnecClient against a scripted Connec!: auth, headers, envelopes, pagination, batch."""

from __future__ import annotations

import base64

import pytest

from connec_sync.clients.connec import ConnecClient
from connec_sync.clients.errors import RecordNotFound
from connec_sync.settings import Settings, SettingsError, TenantSettings

pytestmark = pytest.mark.timeout(30)

PERSON = {"id": [{"id": "c-1", "provider": "connec", "realm": "org-1"}], "first_name": "Ann"}


@pytest.fixture
def connec(target, gate, closing) -> ConnecClient:
    return closing(ConnecClient(target.url, TenantSettings("app-id", "app-key"), 5.0, gate))


def test_every_request_carries_basic_auth_json_and_external_ids(target, connec):
    target.answer(200, {"people": PERSON})
    assert connec.get("cld-1", "people", "c-1") == PERSON
    seen = target.requests[0]
    assert (seen.method, seen.path) == ("GET", "/api/v2/cld-1/people/c-1")
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(b"app-id:app-key").decode()
    assert seen.headers["accept"] == "application/json"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["connec-external-ids"] == "true"


def test_upsert_posts_the_record_wrapped_in_its_collection_and_returns_status_and_record(
    target, connec
):
    target.answer(201, {"people": PERSON})
    status, record = connec.upsert("cld-1", "people", {"first_name": "Ann"})
    assert (status, record) == (201, PERSON)
    seen = target.requests[0]
    assert (seen.method, seen.path) == ("POST", "/api/v2/cld-1/people")
    assert seen.body == {"people": {"first_name": "Ann"}}


def test_update_puts_a_partial_record(target, connec):
    target.answer(200, {"people": PERSON})
    link = {"id": [{"id": "47", "provider": "demoapp", "realm": "acct-1"}]}
    assert connec.update("cld-1", "people", "c-1", link) == PERSON
    seen = target.requests[0]
    assert (seen.method, seen.path, seen.body) == (
        "PUT",
        "/api/v2/cld-1/people/c-1",
        {"people": link},
    )


def test_an_unknown_record_is_record_not_found(target, connec):
    target.answer(404, {"errors": [{"title": "not found"}]})
    with pytest.raises(RecordNotFound):
        connec.get("cld-1", "people", "nope")


def test_pages_follow_pagination_next_to_the_end(target, connec):
    base = f"{target.url}/api/v2/cld-1/people"
    target.answer(200, {"people": [{"n": 1}], "pagination": {"next": f"{base}?$skip=1&$top=1"}})
    target.answer(200, {"people": [{"n": 2}], "pagination": {"next": f"{base}?$skip=2&$top=1"}})
    target.answer(200, {"people": [{"n": 3}], "pagination": {"skip": 2, "top": 1, "total": 3}})
    pages = list(
        connec.pages("cld-1", "people", filter="updated_at gt '2026-01-01T00:00:00Z'", top=1)
    )
    assert pages == [[{"n": 1}], [{"n": 2}], [{"n": 3}]]
    first, second, _ = target.requests
    assert first.params == {"$top": "1", "$filter": "updated_at gt '2026-01-01T00:00:00Z'"}
    assert second.params == {"$skip": "1", "$top": "1"}


def test_batch_posts_to_the_host_root_and_returns_each_result_even_a_failed_one(target, connec):
    ops = [
        {"method": "post", "url": "/api/v2/cld-1/people/", "params": {"people": {}}},
        {"method": "put", "url": "/api/v2/cld-1/people/c-1", "params": {"people": {}}},
    ]
    target.answer(
        200, {"results": [{"status": 201, "body": {"people": PERSON}}, {"status": 400, "body": {}}]}
    )
    results = connec.batch(ops, group="cld-1")
    assert [(r.status, r.ok) for r in results] == [(201, True), (400, False)]
    seen = target.requests[0]
    assert (seen.path, seen.body) == ("/batch", {"sequential": True, "ops": ops})


def test_a_batch_over_fifty_operations_is_refused_before_sending(target, connec):
    with pytest.raises(ValueError, match="at most 50"):
        connec.batch([{"method": "get", "url": "/x"}] * 51)
    assert target.requests == []


def test_the_client_builds_from_settings_for_a_configured_tenant():
    settings = Settings.from_mapping(
        {
            "connec": {
                "base_url": "http://connec.test",
                "tenants": {"default": {"api_id": "i", "api_key": "k"}},
            }
        }
    )
    client = ConnecClient.from_settings(settings, "default")
    assert client.base_url == "http://connec.test"
    client.close()
    with pytest.raises(SettingsError, match="connec.tenants.other"):
        ConnecClient.from_settings(settings, "other")


def test_the_company_singleton_is_read_and_put_at_its_collection_never_posted(target, connec):
    company = {"id": [{"id": "co-1", "provider": "connec"}], "name": "Doe"}
    target.answer(200, {"company": company})
    target.answer(200, {"company": company})
    target.answer(200, {"company": company})
    assert connec.upsert("cld-1", "company", {"name": "Doe"}) == (200, company)
    assert connec.update("cld-1", "company", "co-1", {"id": company["id"]}) == company
    assert list(connec.pages("cld-1", "company", filter="updated_at gt 'x'")) == [[company]]
    calls = [(seen.method, seen.path) for seen in target.requests]
    assert calls == [
        ("PUT", "/api/v2/cld-1/company"),
        ("PUT", "/api/v2/cld-1/company"),
        ("GET", "/api/v2/cld-1/company"),
    ]
