"""Partner states for tests of the federation pages: an OIDC partner row, a SAML
partner played by our own SAML library, and a partner's answer put in place as the
back ends leave it (the protocols themselves are tested in tests/federation)."""
from __future__ import annotations

from federation import broker, partners
from federation.models import FederationPartner
from federation.remote import RemoteAttribute, RemoteIdentity
from federation.views import BROWSER_KEY
from idp.extensions import db
from idp.loa import Level
from tests.federation.saml.support import make_account, make_keypair

REMOTE = [("given_name", "Berta"), ("family_name", "Beispiel"), ("email", "berta@example.org")]


def add_oidc_partner(app) -> str:
    """"Land C", trusted up to substanziell."""
    with app.app_context():
        partner = FederationPartner(name="Land C", protocol="oidc", entity_id="https://land-c.example",
                                    source="https://land-c.example", discovery={"issuer": "https://land-c.example"},
                                    client_id="c", client_secret="s", max_level=int(Level.SUBSTANZIELL))
        db.session.add(partner)
        db.session.commit()
        return partner.id


def arrived(app, user_agent, partner_id, *, purpose="login", account_id=None, subject="sub-berta",
            record_id=None) -> str:
    """A login at the partner that came back with Berta's identity, in this browser;
    returns the page it leads to."""
    with app.app_context():
        partner = db.session.get(FederationPartner, partner_id)
        login, secret = broker.begin(partner, purpose, account_id=account_id, record_id=record_id)
        db.session.commit()
        broker.arrived(login, RemoteIdentity(partner_id, subject, Level.HOCH, ("pwd",), tuple(
            RemoteAttribute(name, value, Level.HOCH) for name, value in REMOTE)))
        login_id = login.id
    with user_agent.client.session_transaction() as session:
        session[BROWSER_KEY] = [login_id, secret]
    return f"/anmelden/servicekonto/ergebnis/{login_id}"


def land_b():
    """Land B's Servicekonto, asking and answering over SAML."""
    return make_account("land-b", make_keypair("Land B signing"), make_keypair("Land B encryption"), "Land B")


def add_saml_partner(app, tmp_path, state, max_level=Level.SUBSTANZIELL) -> str:
    source = tmp_path / "land-b.xml"
    source.write_bytes(state.metadata_xml)
    with app.app_context():
        return partners.add("Land B", "saml", str(source), max_level).id
