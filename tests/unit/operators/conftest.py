"""Fixtures of the operators' tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def store_url(tmp_path, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """A fresh SQLite store that the commands open (CONNEC_SYNC_STORE_URL), no settings file."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("CONNEC_SYNC_STORE_URL", url)
    monkeypatch.delenv("CONNEC_SYNC_CONFIG", raising=False)
    return url
