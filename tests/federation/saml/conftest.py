"""Fixtures for the SAML core: keys generated once per test session (never written into
the repository), Bayern as "us" and Nordrhein-Westfalen as a partner running this
library too, a stranger with a key of its own, and a fresh replay cache per test."""
from __future__ import annotations

import warnings

import pytest
from cryptography.utils import CryptographyDeprecationWarning

with warnings.catch_warnings():
    # pysaml2 still imports a cipher mode from its old place in cryptography; not ours
    # to fix, so it is imported here once, quietly.
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    import saml2.cryptography.symmetric  # noqa: F401

from federation.saml import KeyPair

from .support import Account, ReplayCache, make_account, make_keypair


@pytest.fixture(autouse=True)
def clean_database():
    """These tests need no IdP: replaces the root conftest's autouse fixture that would
    start the app and a database."""
    yield


@pytest.fixture(scope="session")
def by_keys() -> tuple[KeyPair, KeyPair]:
    return make_keypair("Servicekonto Bayern SAML"), make_keypair("Servicekonto Bayern SAML enc")


@pytest.fixture(scope="session")
def nrw_keys() -> tuple[KeyPair, KeyPair]:
    return make_keypair("Servicekonto.NRW SAML"), make_keypair("Servicekonto.NRW SAML enc")


@pytest.fixture(scope="session")
def stranger() -> KeyPair:
    """Claims to be NRW (same subject), with a key of its own."""
    return make_keypair("Servicekonto.NRW SAML")


@pytest.fixture(scope="session")
def spare() -> KeyPair:
    """A further key pair of Bayern's, e.g. the next one of a key rollover."""
    return make_keypair("Servicekonto Bayern SAML 2027")


@pytest.fixture(scope="session")
def by(by_keys) -> Account:
    """Us."""
    return make_account("bayern", *by_keys, "BayernID")


@pytest.fixture(scope="session")
def nrw(nrw_keys) -> Account:
    """A partner state whose account runs this library too."""
    return make_account("nrw", *nrw_keys, "Servicekonto.NRW")


@pytest.fixture
def replay_cache() -> ReplayCache:
    return ReplayCache()
