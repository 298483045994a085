"""The partner apps connec-sync knows: the one place that names them. `partner.provider` picks
one (default `demoapp`); everything else asks this module for the configured `Provider`."""

from __future__ import annotations

from connec_sync.settings import Settings
from providers import demoapp
from providers.interface import Provider

#: every provider, by name
PROVIDERS: dict[str, Provider] = {each.name: each for each in (demoapp.PROVIDER,)}


class UnknownProvider(LookupError):
    """`partner.provider` names no registered provider; the message lists the known ones."""

    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(PROVIDERS))
        super().__init__(f"setting partner.provider: unknown provider {name!r} (known: {known})")
        self.name = name


def provider(name: str) -> Provider:
    """The provider called `name`; UnknownProvider if none is."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise UnknownProvider(name) from None


def configured(settings: Settings) -> Provider:
    """The provider `partner.provider` names."""
    return provider(settings.partner.provider)
