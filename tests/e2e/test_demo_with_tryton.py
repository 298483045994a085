"""`connec-sync run --partner tryton`: the demo runs a real Tryton instead of the partner
sandbox, syncing both ways; without the `tryton` extra it says how to install it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from commands import main
from providers.tryton import template
from tests.e2e.test_demo import free_port, wait_for_both_directions

pytestmark = pytest.mark.timeout(240)


def test_without_the_tryton_extra_the_demo_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(template, "available", lambda: False)
    ports = [str(free_port()) for _ in range(3)]
    arguments = ["run", "--partner", "tryton", "--for", "1", "--receiver-port", ports[0]]
    arguments += ["--connec-port", ports[1], "--partner-port", ports[2]]
    assert main(arguments) == 2
    assert "pip install -e '.[tryton]'" in capsys.readouterr().err


@pytest.mark.e2e
@pytest.mark.integration
def test_the_demo_with_tryton_syncs_records_both_ways(tryton, tmp_path: Path) -> None:
    """`tryton` makes the cached template before the demo's own server copies it."""
    ports = [free_port() for _ in range(3)]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONNEC_SYNC_")}
    command = [sys.executable, "-m", "commands", "run", "--partner", "tryton", "--for", "120"]
    command += ["--receiver-port", str(ports[0]), "--connec-port", str(ports[1])]
    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(
        command, cwd=tmp_path, env=environ, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        applied = wait_for_both_directions(tmp_path / "demo.log", deadline_s=150)
    finally:
        demo.terminate()
        assert demo.wait(30) == 0
        log.close()
    text = (tmp_path / "demo.log").read_text()
    assert applied == {"to-app", "to-connec"}, text[-3000:]
    assert '"partner": "tryton"' in text
    assert '"level": "error"' not in text
