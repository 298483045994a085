"""Fixtures: each sandbox served on a loopback port, authenticated sessions, a fake receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandboxes.testing import (
    FakeReceiver,
    connec_session,
    partner_session,
    start_connec,
    start_partner,
)
from sandboxes.web import SandboxHandle


@pytest.fixture
def connec_sandbox() -> Iterator[SandboxHandle]:
    """A Connec! sandbox with tenant `default` (app-id/app-key) and group `cld-test`."""
    handle = start_connec()
    yield handle
    handle.stop()


@pytest.fixture
def partner_sandbox() -> Iterator[SandboxHandle]:
    """A partner sandbox with token `partner-token` and account `acct-test`."""
    handle = start_partner()
    yield handle
    handle.stop()


@pytest.fixture
def connec_http() -> Iterator[requests.Session]:
    """A session with the tenant's Basic auth and `CONNEC-EXTERNAL-IDS: true`."""
    with connec_session() as session:
        yield session


@pytest.fixture
def partner_http() -> Iterator[requests.Session]:
    with partner_session() as session:
        yield session


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    """A webhook receiver that records requests and answers 200 unless told otherwise."""
    fake = FakeReceiver()
    yield fake
    fake.stop()
