"""The catalogue of shared entities: `connec-sync entities`, docs/shared-entities.md and the
operators' `/entities` page, all read from the registry and the mapping rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import falcon
import falcon.testing
import pytest

from commands import main
from commands.receiver import operator_app
from connec_sync.store import Store
from mappers.catalogue import TO_CONNEC_ONLY, describe
from mappers.registry import COLLECTIONS, REFERENCE, RESOURCES
from operators.catalogue import NOT_CARRIED_TITLE, render_markdown, shared_entities
from operators.entities_page import add_entities_routes, render_page
from producers.receiver.metrics import ReceiverMetrics
from providers.registry import provider
from tests.unit.receiver.support import settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "shared-entities.md"
DEMOAPP = provider("demoapp")


def entities(capsys, *args: str) -> str:  # type: ignore[no-untyped-def]
    assert main(["entities", *args]) == 0
    return str(capsys.readouterr().out)


def test_the_markdown_output_is_docs_shared_entities(store_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert entities(capsys, "--markdown") == DOC.read_text(), (
        "run .venv/bin/python deploy/render.py"
    )


def test_the_json_lists_every_entity_in_dependency_order_with_each_organizations_switches(
    store_url: str,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    assert main(["orgs", "link", "--group", "cld-1", "--account", "a-1"]) == 0
    assert main(["orgs", "set", "--group", "cld-1", "--entity", "people=to-app"]) == 0
    capsys.readouterr()
    facts = json.loads(entities(capsys, "--json"))
    assert [e["collection"] for e in facts["entities"]] == list(COLLECTIONS)
    assert [e["resource"] for e in facts["entities"]] == list(RESOURCES)
    [org] = facts["organizations"]
    assert org["entities"]["people"] == "to-app" and org["entities"]["items"] == "both"
    assert set(org["entities"]) == set(COLLECTIONS)
    text = entities(capsys)
    assert "people <-> contacts  [to-app, to-connec]" in text and "people=to-app" in text


def test_every_rule_of_a_mapping_is_a_row_with_its_way_and_conversion() -> None:
    described = {e["collection"]: e for e in describe(REFERENCE)}
    invoice = {row["connec"]: row for row in described["invoices"]["fields"]}
    assert invoice["amount.total_amount"]["flow"] == TO_CONNEC_ONLY
    assert "read-only" in invoice["amount.total_amount"]["note"]
    assert invoice["lines[].item_id"]["partner"] == "lines[].product_id"
    assert invoice["lines[].item_id"]["reference"] == "items"
    assert invoice["type"]["conversion"] == "words: sale = CUSTOMER, purchase = SUPPLIER"
    assert described["invoices"]["archive_status"] == "VOIDED"
    payment = {row["connec"]: row for row in described["payments"]["fields"]}
    fixed = payment["payment_lines[].linked_transactions.0.class"]
    assert (fixed["partner"], fixed["flow"], fixed["conversion"]) == (
        None,
        TO_CONNEC_ONLY,
        "always 'Invoice'",
    )
    refs = described["people"]["references"]
    assert refs == [
        {
            "field": "organization_id",
            "collection": "organizations",
            "waits_for": "the referenced organizations record to be linked first",
        }
    ]
    for entity in described.values():
        rules = entity["fields"]
        assert len(rules) >= len(REFERENCE.entity(entity["collection"]).mapping.rules)


def sample() -> dict[str, Any]:
    org = {"tenant": "default", "group_id": "<script>x</script>", "account": "a-1", "entities": {}}
    return shared_entities(DEMOAPP, [org])


def client(facts: Any) -> falcon.testing.TestClient:
    app = falcon.App()
    add_entities_routes(app, facts)
    return falcon.testing.TestClient(app)


def test_the_page_shows_every_entity_and_field_escaped_and_links_back_to_status() -> None:
    answer = client(sample).simulate_get("/entities")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    for collection in COLLECTIONS:
        assert f'<h2 id="{collection}">' in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script" not in page.lower()
    assert '<a href="/status">status</a>' in page and "lines[].product_id" in page
    assert client(sample).simulate_get("/entities.json").json["provider"] == "demoapp"


def test_a_provider_that_does_not_carry_some_collections_lists_them_with_why() -> None:
    tryton = shared_entities(provider("tryton"), [])
    missing = {each["collection"]: each["why"] for each in tryton["not_carried"]}
    assert set(missing) == set(COLLECTIONS) - {e["collection"] for e in tryton["entities"]}
    assert "sale module" in missing["quotes"]
    markdown, page = render_markdown(tryton), render_page(tryton)
    assert f"## {NOT_CARRIED_TITLE}" in markdown and "| `quotes` | not carried: " in markdown
    assert f"<h2>{NOT_CARRIED_TITLE}</h2>" in page and "<td>quotes</td>" in page
    assert sample()["not_carried"] == []  # the reference app carries them all
    assert NOT_CARRIED_TITLE not in render_markdown(sample())


def test_a_failing_store_gives_a_page_saying_so_and_a_503() -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("store down")

    answer = client(broken).simulate_get("/entities")
    assert answer.status_code == 503 and "store down" in answer.text
    assert client(broken).simulate_get("/entities.json").status_code == 503
    assert "unavailable" in render_page(None)


@pytest.mark.timeout(60)
def test_the_receiver_serves_the_catalogue_on_its_operator_port_linked_from_the_status_page(
    sqlite_store_url: str,
) -> None:
    config = settings(url="memory://")
    store = Store.open(sqlite_store_url)
    store.link_configured(config.organizations)
    try:
        served = falcon.testing.TestClient(operator_app(config, store, ReceiverMetrics()))
        assert '<a href="/entities">shared entities</a>' in served.simulate_get("/status").text
        facts = served.simulate_get("/entities.json").json
        assert facts["organizations"][0]["group_id"] == "cld-9ax2"
        assert "connec-sync: shared entities" in served.simulate_get("/entities").text
    finally:
        store.close()
