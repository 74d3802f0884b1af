"""The level rule of SPEC §2 for another state's account: min(level it asserts, level
configured for the partner), per login and per attribute."""
from __future__ import annotations

import pytest

from federation import broker
from federation.attributes import BY_NAME, OID
from federation.models import FederationPartner
from federation.remote import RemoteAttribute, RemoteIdentity
from idp.loa import Level

H, S, N = Level.HOCH, Level.SUBSTANZIELL, Level.NIEDRIG


def partner(max_level: Level) -> FederationPartner:
    return FederationPartner(id="p1", name="Land B", protocol="saml", entity_id="e", source="s",
                             max_level=int(max_level))


@pytest.mark.parametrize("asserted, trusted, expected", [
    (H, S, S), (S, H, S), (N, H, N), (H, H, H), (None, H, N),
])
def test_login_level_is_capped_by_partner_trust(asserted, trusted, expected):
    assert broker.cap(partner(trusted), asserted) == expected


@pytest.mark.parametrize("login, attribute, trusted, expected", [
    (H, H, S, S),        # the partner's trust caps
    (S, H, H, S),        # never above the login that carried it
    (H, N, H, N),        # its own level, if lower
    (S, None, H, S),     # without its own level: the login's
    (None, H, H, N),     # a login level nobody knows proves niedrig
])
def test_attribute_level(login, attribute, trusted, expected):
    remote = RemoteIdentity("p1", "sub", login, attributes=(RemoteAttribute("family_name", "Beispiel", attribute),))
    (taken,) = broker.attributes(partner(trusted), remote)
    assert taken.level == expected


def test_only_known_account_data_are_taken_over():
    remote = RemoteIdentity("p1", "sub", H, attributes=(RemoteAttribute("family_name", "B", H),
                                                        RemoteAttribute("role", "admin", H)))
    assert [a.name for a in broker.attributes(partner(H), remote)] == ["family_name"]


@pytest.mark.parametrize("oid, value, account", [
    ("1.2.40.0.10.2.1.1.55", "1971-03-09", {"birth_date": "09.03.1971"}),
    ("1.2.40.0.10.2.1.1.55", "1971", {"birth_date": "00.00.1971"}),
    ("1.2.40.0.10.2.1.1.55", "1971-03", {"birth_date": "00.03.1971"}),
    ("2.5.4.16", "Heidestraße 17", {"street": "Heidestraße", "house_number": "17"}),
    ("2.5.4.42", " Erika ", {"given_name": "Erika"}),
])
def test_saml_attributes_become_account_data_and_back(oid, value, account):
    attribute = BY_NAME[OID + oid]
    assert attribute.into(value) == account
    assert attribute.out(account) == value.strip()
