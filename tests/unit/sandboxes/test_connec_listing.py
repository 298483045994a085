"""Listing in the Connec! sandbox: pagination, $filter, $orderby."""

from __future__ import annotations

from sandboxes.testing import GROUP_ID


def api(handle, path: str = "") -> str:
    return f"{handle.url}/api/v2/{GROUP_ID}{path}"


def test_pagination_follows_next_to_the_last_page(connec_sandbox, connec_http):
    connec_sandbox.state.seed(GROUP_ID, "people", [{"first_name": f"P{n}"} for n in range(7)])
    url, names, pages = api(connec_sandbox, "/people?$top=3"), [], []
    while url:
        body = connec_http.get(url).json()
        names += [p["first_name"] for p in body["people"]]
        pages.append(body["pagination"])
        url = body["pagination"].get("next")
    assert names == [f"P{n}" for n in range(7)]
    assert [(p["skip"], p["top"], p["total"]) for p in pages] == [(0, 3, 7), (3, 3, 7), (6, 3, 7)]
    assert "next" not in pages[-1]


def test_filter_by_updated_at_and_plain_fields(connec_sandbox, connec_http):
    connec_sandbox.state.seed(
        GROUP_ID,
        "people",
        [
            {"first_name": "Old", "is_customer": True, "updated_at": "2026-01-01T00:00:00Z"},
            {"first_name": "New", "is_customer": True, "updated_at": "2026-06-01T00:00:00Z"},
            {"first_name": "Lead", "is_customer": False, "updated_at": "2026-06-02T00:00:00Z"},
        ],
    )

    def names(query: str) -> list[str]:
        answer = connec_http.get(api(connec_sandbox, "/people"), params={"$filter": query})
        assert answer.status_code == 200, answer.text
        return [p["first_name"] for p in answer.json()["people"]]

    assert names("updated_at gt '2026-03-01T00:00:00Z'") == ["New", "Lead"]
    assert names("updated_at gt '2026-03-01T00:00:00Z' and is_customer eq true") == ["New"]
    assert names("first_name ne 'Old'") == ["New", "Lead"]
    assert names("first_name eq 'Lead'") == ["Lead"]
    bad = connec_http.get(api(connec_sandbox, "/people"), params={"$filter": "first_name like 'x'"})
    assert bad.status_code == 400


def test_orderby_sorts_the_list(connec_sandbox, connec_http):
    connec_sandbox.state.seed(GROUP_ID, "items", [{"name": n} for n in ("b", "c", "a")])
    answer = connec_http.get(api(connec_sandbox, "/items"), params={"$orderby": "name desc"})
    assert [i["name"] for i in answer.json()["items"]] == ["c", "b", "a"]
