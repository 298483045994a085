"""The entities' names the receiver's workers read (schemas/entity_names.py,
providers.registry.ENTITY_NAMES) are those of each provider's entity table, in its order."""

from __future__ import annotations

import dataclasses

import pytest

from connec_sync.settings import Settings
from mappers.registry import COLLECTIONS
from mappers.registry import REFERENCE as REFERENCE_TABLE
from providers.registry import ENTITY_NAMES, PROVIDERS, UnknownProvider, configured_names
from schemas import entity_names


def test_the_reference_names_are_the_registrys() -> None:
    assert entity_names.REFERENCE.pairs == REFERENCE_TABLE.names.pairs
    assert entity_names.COLLECTIONS == COLLECTIONS


def test_every_provider_has_the_names_of_its_entities() -> None:
    assert set(ENTITY_NAMES) == set(PROVIDERS)
    for name, chosen in PROVIDERS.items():
        assert ENTITY_NAMES[name].pairs == chosen.entities.names.pairs, name


def test_a_resource_names_its_collection_or_none() -> None:
    assert entity_names.REFERENCE.collection_of("contacts") == "people"
    assert ENTITY_NAMES["tryton"].collection_of("people") == "people"
    assert entity_names.REFERENCE.collection_of("people") is None


def test_the_configured_names_are_the_configured_providers_or_unknown() -> None:
    settings = Settings()
    assert configured_names(settings) is ENTITY_NAMES["demoapp"]
    unknown = dataclasses.replace(
        settings, partner=dataclasses.replace(settings.partner, provider="nope")
    )
    with pytest.raises(UnknownProvider, match="nope"):
        configured_names(unknown)
