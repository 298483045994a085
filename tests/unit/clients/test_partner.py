"""PartnerClient against a scripted partner app: bearer auth, idempotent creates, cursor pages."""

from __future__ import annotations

import pytest

from connec_sync.clients.errors import PermanentTargetError, RecordNotFound
from connec_sync.settings import Settings
from providers.demoapp.client import PartnerClient

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def partner(target, gate, closing) -> PartnerClient:
    return closing(PartnerClient(target.url, "tok", 5.0, gate))


def test_create_posts_with_bearer_auth_and_the_idempotency_key(target, partner):
    target.answer(201, {"id": "c_1", "first_name": "Ann"})
    record = partner.create("acct-1", "contacts", {"first_name": "Ann"}, idempotency_key="k-1")
    assert record == {"id": "c_1", "first_name": "Ann"}
    seen = target.requests[0]
    assert (seen.method, seen.path) == ("POST", "/v1/accounts/acct-1/contacts")
    assert seen.headers["authorization"] == "Bearer tok"
    assert seen.headers["idempotency-key"] == "k-1"
    assert seen.body == {"first_name": "Ann"}


def test_update_patches_get_reads_and_delete_removes(target, partner):
    target.answer(200, {"id": "c_1", "last_name": "Lee"})
    target.answer(200, {"id": "c_1"})
    target.answer(204)
    assert partner.update("acct-1", "contacts", "c_1", {"last_name": "Lee"})["last_name"] == "Lee"
    assert partner.get("acct-1", "contacts", "c_1") == {"id": "c_1"}
    assert partner.delete("acct-1", "contacts", "c_1") is None
    calls = [(seen.method, seen.path) for seen in target.requests]
    assert calls == [("PATCH", "/v1/accounts/acct-1/contacts/c_1")] + [
        (method, "/v1/accounts/acct-1/contacts/c_1") for method in ("GET", "DELETE")
    ]


def test_pages_follow_next_cursor_to_the_end(target, partner):
    target.answer(200, {"data": [{"id": "1"}], "next_cursor": "A"})
    target.answer(200, {"data": [{"id": "2"}], "next_cursor": "B"})
    target.answer(200, {"data": [], "next_cursor": None})
    pages = list(partner.pages("acct-1", "contacts", updated_since="2026-01-01T00:00:00Z", limit=1))
    assert pages == [[{"id": "1"}], [{"id": "2"}], []]
    assert [seen.params for seen in target.requests] == [
        {"limit": "1", "updated_since": "2026-01-01T00:00:00Z"},
        {"limit": "1", "updated_since": "2026-01-01T00:00:00Z", "cursor": "A"},
        {"limit": "1", "updated_since": "2026-01-01T00:00:00Z", "cursor": "B"},
    ]


def test_a_validation_error_is_permanent_and_an_unknown_record_not_found(target, partner):
    target.answer(422, {"error": {"code": "invalid", "fields": {"name": ["required"]}}})
    target.answer(404, {"error": {"code": "not_found"}})
    with pytest.raises(PermanentTargetError) as raised:
        partner.create("acct-1", "companies", {}, idempotency_key="k")
    assert raised.value.status == 422 and "required" in raised.value.body
    with pytest.raises(RecordNotFound):
        partner.update("acct-1", "companies", "gone", {"name": "x"})


def test_the_client_builds_from_settings():
    settings = Settings.from_mapping({"partner": {"base_url": "http://p.test/", "api_token": "t"}})
    client = PartnerClient.from_settings(settings)
    assert client.base_url == "http://p.test"
    client.close()


def test_the_profile_singleton_is_read_and_patched_at_its_resource(target, partner):
    profile = {"id": "profile", "name": "Doe", "updated_at": "2026-12-01T10:00:00.000000Z"}
    target.answer(200, profile)
    target.answer(200, profile)
    target.answer(200, profile)
    assert partner.update("acct-1", "profile", "profile", {"name": "Doe"}) == profile
    assert list(partner.pages("acct-1", "profile", updated_since="2026-12-01T00:00:00Z")) == [
        [profile]
    ]
    assert list(partner.pages("acct-1", "profile", updated_since="2026-12-02T00:00:00Z")) == [[]]
    calls = [(seen.method, seen.path) for seen in target.requests]
    assert (
        calls
        == [("PATCH", "/v1/accounts/acct-1/profile")] + [("GET", "/v1/accounts/acct-1/profile")] * 2
    )
