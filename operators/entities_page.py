"""`GET /entities` (HTML) and `GET /entities.json`: the catalogue of shared entities
(operators/catalogue.py) as the operators' pages serve it, linked from `/status`. The platform's
"document what data is shared" page, generated from the mapping rules; every value escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import falcon

from operators.catalogue import (
    NOT_CARRIED_TITLE,
    OVERVIEW_HEADER,
    TITLE,
    organization_name,
    overview_rows,
    shared_entities,
)
from operators.organizations import linked
from operators.status_page import FACTS_MAX_AGE_S, STYLE, HtmlPage, StatusJson, reused
from providers.interface import Provider

Facts = Callable[[], dict[str, Any]]

PATH, JSON_PATH = "/entities", "/entities.json"


def add_entities_routes(app: falcon.App, facts: Facts) -> None:
    app.add_route(PATH, HtmlPage(facts, render_page, falcon.HTTP_503))
    app.add_route(JSON_PATH, StatusJson(facts))  # any facts as JSON, 503 when they fail


def live_facts(provider: Provider, store: Any) -> Facts:
    """The catalogue with the organizations linked in the store, reused for FACTS_MAX_AGE_S."""
    return reused(lambda: shared_entities(provider, linked(store)), FACTS_MAX_AGE_S)


def render_page(facts: dict[str, Any] | None, problem: str | None = None) -> str:
    head = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>connec-sync: {TITLE.lower()}</title><style>{STYLE}</style></head><body>"
        f"<h1>connec-sync: {TITLE.lower()}</h1>"
        '<div class="meta"><a href="/status">status</a> &middot; '
        f'<a href="{JSON_PATH}">as JSON</a></div>'
    )
    if facts is None:
        return head + f'<div class="banner down">{escape(problem or "unavailable")}</div>'
    intro = (
        f"<p>Partner app <strong>{escape(facts['provider'])}</strong>: "
        f"{escape(facts['summary'])}. Its changes reach us by {escape(facts['change_source'])}. "
        "Entities in dependency order: a reference waits until its target is linked.</p>"
    )
    body = intro + _overview(facts) + _not_carried(facts) + _organizations(facts)
    body += "".join(_entity(entity) for entity in facts["entities"])
    return head + body + "</body></html>"


def _overview(facts: dict[str, Any]) -> str:
    rows = [
        [f'<a href="#{escape(first)}">{escape(first)}</a>', *map(escape, rest)]
        for first, *rest in overview_rows(facts)
    ]
    return "<h2>Overview</h2>" + _table(OVERVIEW_HEADER, rows)


def _not_carried(facts: dict[str, Any]) -> str:
    rows = [[escape(each["collection"]), escape(each["why"])] for each in facts["not_carried"]]
    if not rows:
        return ""
    return f"<h2>{escape(NOT_CARRIED_TITLE)}</h2>" + _table(["Connec! collection", "why"], rows)


def _organizations(facts: dict[str, Any]) -> str:
    title = "<h2>Directions switched on per linked organization</h2>"
    if not facts["organizations"]:
        return title + '<p class="zero">no linked organization</p>'
    header = ["organization"] + [e["collection"] for e in facts["entities"]]
    rows = [
        [escape(organization_name(org))] + [escape(d) for d in org["entities"].values()]
        for org in facts["organizations"]
    ]
    return title + _table(header, rows)


def _entity(entity: dict[str, Any]) -> str:
    collection = escape(entity["collection"])
    title = f'<h2 id="{collection}">{collection} \u2194 {escape(entity["resource"])}</h2>'
    header = ["Connec!", "partner", "flow", "conversion", "note"]
    rows = [
        [escape(f["connec"]), escape(f["partner"] or "\u2014")]
        + [escape(f[key]) for key in ("flow", "conversion", "note")]
        for f in entity["fields"]
    ]
    return title + _table(header, rows)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table of cells already escaped."""
    heads = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{heads}</tr>{body}</table>"
