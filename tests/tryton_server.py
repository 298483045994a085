"""A real Tryton for the tests: providers.tryton.server (and .template) behind the services gate.

The template database takes about a minute to make the first time (then it is cached, see
providers.tryton.template), longer than a test's timeout: `prepare` makes it once the tests are
collected, outside any test's timer, when a collected test uses the `tryton` fixture. Without
the `tryton` extra the tests that need it skip locally and fail in CI.
"""

from __future__ import annotations

import pytest

from providers.tryton import server, template
from tests import services

FIXTURE = "tryton"
#: a template that could not be made: the tests needing it fail with this, not each retrying
_broken: list[str] = []


def prepare(items: list[pytest.Item]) -> None:
    """Make (or find) the cached template if a collected test needs a Tryton server."""
    if not any(FIXTURE in getattr(item, "fixturenames", ()) for item in items):
        return
    if not template.available():
        return
    try:
        template.template()
    except template.TrytonUnavailable as error:
        _broken.append(str(error))


def start() -> server.TrytonServer:
    """A started server with one database, `books` (stop it when done)."""
    if not template.available():
        services.missing("Tryton (the `tryton` extra: pip install -e '.[tryton]')")
    if _broken:
        pytest.fail(f"the Tryton template could not be made: {_broken[0]}", pytrace=False)
    return server.TrytonServer(databases=("books",)).start()
