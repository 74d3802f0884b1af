"""The SSO endpoint (asserting side) takes a partner's signed AuthnRequest once: the
same request sent again is refused, by either binding, and the remembered IDs go
with `servicekonto purge` once the request would be too old anyway."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select

from federation.models import UsedAuthnRequest
from federation.saml import bindings, messages, xmldsig
from idp import timeutil
from idp.extensions import db
from idp.maintenance import purge_expired
from tests.support.federation import add_saml_partner, land_b as land_b_state

REPLAYED = "bereits verwendet"


@pytest.fixture(scope="module")
def land_b():
    return land_b_state()


@pytest.fixture
def partner(app, tmp_path, land_b):
    add_saml_partner(app, tmp_path, land_b)


def _request(app, land_b):
    sso_url = app.config["SERVICEKONTO"].issuer + "/saml/sso"
    _, element = messages.build_authn_request(sp_entity_id=land_b.entity_id, acs_url=land_b.acs_url,
                                              destination=sso_url, class_refs=[])
    return sso_url, element


def redirect_request(app, land_b) -> str:
    sso_url, element = _request(app, land_b)
    url = urlparse(bindings.redirect_url(sso_url, element, "relay-1", land_b.signing))
    return f"{url.path}?{url.query}"


def post_request(app, land_b) -> dict:
    _, element = _request(app, land_b)
    return bindings.post_fields(xmldsig.sign(element, land_b.signing), "relay-1", "SAMLRequest")


def test_a_redirect_request_is_taken_once(app, user_agent, partner, land_b):
    url = redirect_request(app, land_b)
    first = user_agent.get(url)
    assert first.status_code == 303 and "/saml/anfrage/" in first.headers["Location"]
    again = user_agent.get(url)
    assert again.status_code == 400 and REPLAYED in again.text
    # Another request of the same partner is new.
    assert user_agent.get(redirect_request(app, land_b)).status_code == 303


def test_a_posted_request_is_taken_once(app, user_agent, partner, land_b):
    fields = post_request(app, land_b)
    assert user_agent.post("/saml/sso", data=fields).status_code == 303
    again = user_agent.post("/saml/sso", data=fields)
    assert again.status_code == 400 and REPLAYED in again.text


def test_remembered_ids_are_purged_once_the_request_is_too_old(app, user_agent, partner, land_b):
    assert user_agent.get(redirect_request(app, land_b)).status_code == 303
    with app.app_context():
        count = lambda: db.session.scalar(select(func.count()).select_from(UsedAuthnRequest))  # noqa: E731
        purge_expired()
        assert count() == 1
        # Accepted for 5 minutes plus 90 s of clock skew after it was issued.
        timeutil.travel(timedelta(minutes=7))
        purge_expired()
        assert count() == 0
