"""The status page in a real browser: headless Chromium renders it, and the screenshot is readable.

Set STATUS_PAGE_SCREENSHOT=docs/status-page.png to refresh the documentation's copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import falcon
import pytest

from connec_sync.http_server import RunningServer, serve_in_thread
from mappers.registry import COLLECTIONS
from operators.status_page import add_status_routes
from tests import processes, services
from tests.unit.operators.status_facts import lane, route, sample_facts

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,900",
]


@pytest.fixture
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        services.missing("chromium (scripts/ensure-chromium.sh installs it)")
    assert found is not None
    return found


def demo_facts() -> dict[str, Any]:
    """Every entity both ways, a few of them busy, as an operator would see a normal day."""
    facts = sample_facts()
    busy = {
        ("people", "to-app"): facts["routes"][0],
        ("items", "to-app"): route(
            "items", "to-app", work=lane(3, 1, 2), dead_letters={"permanent_error": 1}
        ),
    }
    routes = [
        busy.get((entity, direction)) or route(entity, direction)
        for entity in COLLECTIONS
        for direction in ("to-app", "to-connec")
    ]
    return facts | {"routes": routes}


@pytest.fixture
def page_url() -> Iterator[str]:
    app = falcon.App()
    add_status_routes(app, demo_facts)
    server: RunningServer = serve_in_thread(app)
    yield f"{server.url}/status"
    server.stop()


def browse(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    command = [chromium, *FLAGS, f"--user-data-dir={profile}", *args]
    return processes.run(command, 90, capture_output=True, text=True, check=False)


def test_chromium_renders_the_status_page_with_its_facts(
    chromium: str, page_url: str, tmp_path: Path
) -> None:
    done = browse(chromium, tmp_path, "--dump-dom", page_url)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "connec-sync status" in dom and "broker reachable" in dom
    assert "invalid: 2, retries_exhausted: 1" in dom and "permanent_error: 1" in dom
    assert "cld-9ax2" in dom and "partner API 503" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_chromium_takes_a_readable_screenshot_of_the_status_page(
    chromium: str, page_url: str, tmp_path: Path
) -> None:
    shot = tmp_path / "status.png"
    done = browse(chromium, tmp_path, f"--screenshot={shot}", page_url)
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 900)
    if os.environ.get("STATUS_PAGE_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["STATUS_PAGE_SCREENSHOT"])
