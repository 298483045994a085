"""The status page in a real browser: headless Chromium renders it, and the screenshot is readable.

Set STATUS_PAGE_SCREENSHOT=docs/status-page.png to refresh the documentation's copy.
"""

from __future__ import annotations

import json
import math
import os
import re
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
    return facts | {"routes": routes, "activity": demo_activity()}


def demo_activity() -> dict[str, Any]:
    """An hour of traffic: people both ways busy in the morning rush, items quieter."""

    def route(entity: str, direction: str, scale: int, reasons: list) -> dict[str, Any]:
        applied = [round(scale * (1.2 + math.sin(minute / 7)) + minute % 5) for minute in range(60)]
        lag = [
            float(250 if minute % 11 else 1000) * (2.5 if 40 <= minute < 44 else 1)
            for minute in range(60)
        ]
        top = [{"outcome": o, "reason": r, "count": n} for o, r, n in reasons]
        return {
            "entity": entity,
            "direction": direction,
            "applied_per_minute": applied,
            "lag_p99_ms": lag,
            "applied": sum(applied),
            "top_reasons": top,
        }

    return {
        "minutes": 60,
        "routes": [
            route("items", "to-app", 8, [("dead_lettered", "permanent_error", 1)]),
            route(
                "people",
                "to-app",
                40,
                [("skipped", "echo", 310), ("retried", "transient_error", 12)],
            ),
            route(
                "people",
                "to-connec",
                25,
                [("skipped", "superseded", 44), ("dead_lettered", "invalid", 2)],
            ),
        ],
    }


#: the status page in a frame; once loaded, `typed` goes into its search box; 12 s later (the
#: page refreshes every 5 s) the harness writes how often the frame loaded and what the box holds
HARNESS = """<!doctype html><html><body><iframe id="f" src="/status" width="1200" height="700">
</iframe><pre id="out">waiting</pre><script>
var loads = 0, frame = document.getElementById("f");
function box() { return frame.contentDocument.querySelector("form.trace input[name=id]"); }
frame.addEventListener("load", function () {
  loads += 1;
  if (loads === 1) { box().value = %s; }
});
setTimeout(function () {
  document.getElementById("out").textContent = "loads=" + loads + " box=[" + box().value + "]";
}, 12000);
</script></body></html>"""


class Harness:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = "text/html"
        resp.text = HARNESS % json.dumps(req.get_param("typed") or "")


@pytest.fixture
def server() -> Iterator[RunningServer]:
    app = falcon.App()
    add_status_routes(app, demo_facts)
    app.add_route("/harness", Harness())
    running: RunningServer = serve_in_thread(app)
    yield running
    running.stop()


@pytest.fixture
def page_url(server: RunningServer) -> str:
    return f"{server.url}/status"


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
    assert "Last 60 minutes" in dom and dom.count("<svg") == 6 and "<rect" in dom
    assert "skipped superseded: 44" in dom and 'action="/trace"' in dom


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


@pytest.mark.parametrize(("typed", "refreshed"), [("", True), ("co_1", False)])
def test_the_page_refreshes_itself_but_not_over_a_half_typed_search(
    chromium: str, server: RunningServer, tmp_path: Path, typed: str, refreshed: bool
) -> None:
    url = f"{server.url}/harness?typed={typed}"
    done = browse(chromium, tmp_path, "--virtual-time-budget=20000", "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r"loads=(\d+) box=\[([^\]]*)\]", done.stdout)
    assert found is not None, done.stdout[-2000:]
    loads, box = int(found[1]), found[2]
    if refreshed:
        assert loads >= 2 and box == ""
    else:
        assert loads == 1 and box == "co_1"
