"""The catalogue of shared entities (`/entities`, linked from `/status`) in a real browser:
headless Chromium renders every entity and follows the link from the status page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import falcon
import pytest

from connec_sync.http_server import RunningServer, serve_in_thread
from mappers.registry import COLLECTIONS
from operators.catalogue import shared_entities
from operators.entities_page import add_entities_routes
from operators.status_page import add_status_routes
from providers.registry import provider
from tests.e2e.test_status_page_in_chromium import browse, chromium, demo_facts

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
__all__ = ["chromium"]  # the fixture, shared with the status page's test


def catalogue() -> dict:
    org = {"tenant": "default", "group_id": "cld-9ax2", "account": "acct-2243"}
    return shared_entities(provider("demoapp"), [org | {"entities": {"people": "to-app"}}])


@pytest.fixture
def base_url() -> Iterator[str]:
    app = falcon.App()
    add_status_routes(app, demo_facts)
    add_entities_routes(app, catalogue)
    server: RunningServer = serve_in_thread(app)
    yield server.url
    server.stop()


def test_chromium_renders_the_catalogue_of_shared_entities(
    chromium: str, base_url: str, tmp_path: Path
) -> None:
    done = browse(chromium, tmp_path, "--dump-dom", f"{base_url}/entities")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "connec-sync: shared entities" in dom
    for collection in COLLECTIONS:
        assert f'id="{collection}"' in dom
    assert "lines[].product_id" in dom and "read-only: the partner computes it" in dom
    assert "default/cld-9ax2 ↔ acct-2243" in dom


def test_chromium_finds_the_catalogue_linked_from_the_status_page(
    chromium: str, base_url: str, tmp_path: Path
) -> None:
    done = browse(chromium, tmp_path, "--dump-dom", f"{base_url}/status")
    assert done.returncode == 0, done.stderr[-2000:]
    assert '<a href="/entities">shared entities</a>' in done.stdout
