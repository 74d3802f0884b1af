"""Which data an online service receives: standard claims, and verified data as
OpenID Connect for Identity Assurance `verified_claims` at their own level, never
above the session's (SPEC §2)."""
from __future__ import annotations

import json

import jwt as pyjwt

from idp.accounts.models import Account
from idp.extensions import db
from idp.loa import Level
from idp.oidc.claims import release
from tests.support.flows import exchange, obtain_code, tokens, userinfo

VERIFIED = {"birth_date": "00.00.1945", "street": "Heidestraße", "house_number": "17", "postal_code": "51147",
            "city": "Köln", "given_name": "Erika", "family_name": "Mustermann"}


def make_verified(app, make_account, level: Level, source: str) -> str:
    account_id = make_account()
    with app.app_context():
        account = db.session.get(Account, account_id)
        for name, value in VERIFIED.items():
            account.set_attribute(name, value, level, source)
        account.set_attribute("nationality", "D", level, source)
        db.session.commit()
    return account_id


def test_plus_account_gets_verified_claims_beside_the_standard_ones(app, user_agent, make_account, make_client):
    make_verified(app, make_account, Level.SUBSTANZIELL, "meldebehoerde")
    rp = make_client()
    user_agent.login()
    info = userinfo(user_agent, tokens(user_agent, rp, scope="openid profile email address")["access_token"]).json
    assert info["given_name"] == "Erika" and info["birthdate"] == "1945"
    assert info["address"] == {"street_address": "Heidestraße 17", "postal_code": "51147", "locality": "Köln"}
    [verified] = info["verified_claims"]
    assert verified["verification"] == {"trust_framework": "eidas", "assurance_level": "substantial"}
    assert verified["claims"] == {"given_name": "Erika", "family_name": "Mustermann", "name": "Erika Mustermann",
                                  "birthdate": "1945", "address": info["address"]}
    assert "email" not in verified["claims"], "an e-mail address is never part of an identity check"


def test_servicekonto_without_verified_data_gets_no_verified_claims(app, user_agent, make_account, make_client):
    make_account()
    rp = make_client()
    user_agent.login()
    info = userinfo(user_agent, tokens(user_agent, rp, scope="openid profile")["access_token"]).json
    assert info["family_name"] == "Mustermann" and "verified_claims" not in info


def test_verified_claims_asked_for_in_the_id_token(app, user_agent, make_account, make_client):
    make_verified(app, make_account, Level.SUBSTANZIELL, "meldebehoerde")
    rp = make_client()
    user_agent.login()
    wanted = {"id_token": {"verified_claims": {"verification": {"trust_framework": None},
                                               "claims": {"family_name": None, "nationalities": None}}}}
    grant = obtain_code(user_agent, rp, scope="openid", claims=json.dumps(wanted))
    id_token = pyjwt.decode(exchange(user_agent, rp, grant).json["id_token"], options={"verify_signature": False})
    assert id_token["family_name"] == "Mustermann" and id_token["nationalities"] == ["D"]
    assert id_token["verified_claims"][0]["claims"] == {"family_name": "Mustermann", "nationalities": ["D"]}


def test_level_of_verified_claims_is_capped_by_the_session(app, app_ctx, make_account):
    account = db.session.get(Account, make_verified(app, make_account, Level.HOCH, "eid"))
    account.set_attribute("title", "Dr.", Level.NIEDRIG, "self")
    at_high = release(account, ["family_name", "title"], Level.HOCH)
    assert at_high["verified_claims"] == [{"verification": {"trust_framework": "eidas", "assurance_level": "high"},
                                           "claims": {"family_name": "Mustermann"}}]
    assert at_high["title"] == "Dr.", "self-entered data still go out, unverified"
    at_substantial = release(account, ["family_name"], Level.SUBSTANZIELL)
    assert at_substantial["verified_claims"][0]["verification"]["assurance_level"] == "substantial"
    assert "verified_claims" not in release(account, ["family_name"], Level.NIEDRIG)


def test_mixed_levels_go_out_in_separate_groups(app, app_ctx, make_account):
    account = db.session.get(Account, make_verified(app, make_account, Level.HOCH, "eid"))
    account.set_attribute("street", "Neue Straße", Level.SUBSTANZIELL, "meldebehoerde")
    out = release(account, ["family_name", "address"], Level.HOCH)
    groups = {g["verification"]["assurance_level"]: g["claims"] for g in out["verified_claims"]}
    assert set(groups["high"]) == {"family_name"} and set(groups["substantial"]) == {"address"}


def test_birthdate_with_unknown_parts(app, app_ctx, make_account):
    account = db.session.get(Account, make_account())
    for stored, claim in (("24.12.1980", "1980-12-24"), ("00.12.1980", "1980"), ("00.00.1945", "1945")):
        account.set_attribute("birth_date", stored, Level.NIEDRIG, "self")
        assert release(account, ["birthdate"], Level.NIEDRIG) == {"birthdate": claim}
