"""Federation over SAML (TR-03160-2) with another state's Servicekonto played by
pysaml2, in a real browser, both ways:

- this IdP relying: registration and login with the other state's account, its
  consent there and the take-over consent here, levels capped per partner, refusals;
- this IdP asserting: the other state's SP asks, the citizen logs in here (always
  anew), deselects optional data, and pysaml2 receives only what was granted, at the
  level of the login, after which the login here is over.
"""
from __future__ import annotations

import re
import subprocess

import pytest
import requests
from playwright.sync_api import Page, expect
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT

from eid_connector.simulator.devkeys import self_signed
from lxml import etree

from federation.saml import KeyPair, decode_post, safexml, schema
from federation.saml.namespaces import AKDB, SAML
from federation.saml.xmlenc import decrypt_assertion
from tests.browser.support import assert_accessible, submit_login_form
from tests.federation.saml_peer_servers import Person, RemoteIdP, RemoteSP
from tests.support.organisations import PASSWORD as ORGANISATION_PASSWORD, create_member, create_organisation

pytestmark = pytest.mark.browser

STATE = "Land B"
OID = "urn:oid:"
GIVEN, SURNAME, BIRTHDATE, MAIL = OID + "2.5.4.42", OID + "2.5.4.4", OID + "1.2.40.0.10.2.1.1.55", \
    OID + "0.9.2342.19200300.100.1.3"
LOCALITY, POSTAL = OID + "2.5.4.7", OID + "2.5.4.17"


def _pair(name):
    key, cert = self_signed(name)
    return KeyPair(key_pem=key, cert_pem=cert)


@pytest.fixture(scope="module")
def our_metadata(live_server):
    return requests.get(live_server + "/saml/metadata", timeout=10).content


@pytest.fixture(scope="module")
def remote_idp(tmp_path_factory, our_metadata):
    persons = {
        "erika": Person({"givenName": ["Erika"], "sn": ["Beispiel"], "mail": ["erika.b@example.org"],
                         BIRTHDATE: ["1971-03-09"], "l": ["Mainz"]}, "STORK-QAA-Level-4"),
        "paul": Person({"givenName": ["Paul"], "sn": ["Probe"], "mail": ["paul@example.org"]},
                       "STORK-QAA-Level-1"),
    }
    idp = RemoteIdP(tmp_path_factory.mktemp("land-b-idp"), _pair("Land B IdP"), _pair("Land B IdP enc"), persons)
    idp.configure(our_metadata)
    idp.start()
    yield idp
    idp.stop()


@pytest.fixture(scope="module")
def remote_sp(tmp_path_factory, our_metadata):
    requested = [(GIVEN, "givenName", True), (SURNAME, "surname", True), (BIRTHDATE, "birthdate", False),
                 (MAIL, "mail", False)]
    encryption = _pair("Land B SP enc")
    sp = RemoteSP(tmp_path_factory.mktemp("land-b-sp"), _pair("Land B SP"), encryption, requested)
    sp.encryption_pair = encryption
    sp.configure(our_metadata)
    sp.start()
    yield sp
    sp.stop()


def _add_partner(app, tmp_path, metadata: bytes, max_level):
    from federation import partners

    source = tmp_path / "partner-metadata.xml"
    source.write_bytes(metadata)
    with app.app_context():
        return partners.add(STATE, "saml", str(source), max_level).id


@pytest.fixture
def idp_partner(app, tmp_path, remote_idp):
    from idp.loa import Level

    remote_idp.tamper = None
    remote_idp.name_id_format = NAMEID_FORMAT_PERSISTENT
    return _add_partner(app, tmp_path, remote_idp.metadata(), Level.SUBSTANZIELL)


@pytest.fixture
def sp_partner(app, tmp_path, remote_sp):
    from idp.loa import Level

    remote_sp.arrived.clear()
    remote_sp.failures.clear()
    return _add_partner(app, tmp_path, remote_sp.metadata(), Level.HOCH)


def account_attributes(app, email):
    from sqlalchemy import select

    from idp.accounts.models import Account
    from idp.extensions import db

    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.email == email))
        return None if account is None else {a.name: (a.value, a.level) for a in account.attributes}


def log_in_at_land_b(page: Page, user: str = "erika", decision: str = "Anmelden und zustimmen") -> None:
    page.get_by_role("link", name="Mit anderem Servicekonto anmelden").click()
    page.get_by_label(STATE).check()
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Servicekonto Land B")
    page.get_by_label("Benutzername").fill(user)
    page.get_by_role("button", name=decision).click()


def xmlsec1_verifies(xml: bytes, cert_pem: bytes, id_attr: str, tmp_dir) -> None:
    message, cert = tmp_dir / "message.xml", tmp_dir / "cert.pem"
    message.write_bytes(xml)
    cert.write_bytes(cert_pem)
    out = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", str(cert), "--id-attr:ID", id_attr,
                          str(message)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def check_emitted_response(remote_sp, app) -> None:
    """What our IdP posted: a schema-valid, signed Response whose decrypted assertion
    is schema-valid and signed too, both checked by the xmlsec1 command."""
    import tempfile
    from pathlib import Path

    raw = decode_post(remote_sp.raw[-1])
    response = safexml.parse(raw)
    schema.validate(response)
    signing = app.extensions["servicekonto.federation"].credentials.signing.cert_pem
    with tempfile.TemporaryDirectory() as tmp:
        xmlsec1_verifies(raw, signing, "urn:oasis:names:tc:SAML:2.0:protocol:Response", Path(tmp))
        encrypted = response.find(f"{{{SAML}}}EncryptedAssertion")
        assert encrypted is not None and response.find(f"{{{SAML}}}Assertion") is None
        assertion = decrypt_assertion(encrypted, [remote_sp.encryption_pair])
        schema.validate(assertion)
        xmlsec1_verifies(etree.tostring(assertion), signing, "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                         Path(tmp))


# -- this IdP relying ---------------------------------------------------------------------
def test_register_with_land_b_over_saml(app, page: Page, idp_partner, remote_idp):
    page.goto("/registrierung")
    log_in_at_land_b(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Daten aus „{STATE}“ übernehmen")
    assert_accessible(page, "take-over consent")
    # The AuthnRequest we sent: schema-valid, asking for our attributes (its signature
    # was checked by pysaml2 on arrival).
    raw_request = remote_idp.raw_requests[-1]
    request = safexml.parse(raw_request if isinstance(raw_request, bytes) else raw_request.encode())
    schema.validate(request)
    assert b"akdb:RequestedAttribute" in etree.tostring(request)
    expect(page.get_by_text("Vertrauensniveau „substanziell“")).to_be_visible()  # hoch asserted, capped
    expect(page.get_by_role("table")).to_contain_text("09.03.1971")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    attributes = account_attributes(app, "erika.b@example.org")
    assert attributes["family_name"] == ("Beispiel", 2)
    assert attributes["birth_date"] == ("09.03.1971", 2)
    assert attributes["city"] == ("Mainz", 2)

    # The second time the link logs straight in.
    page.get_by_role("button", name="Abmelden").click()
    page.goto("/anmelden")
    log_in_at_land_b(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")


def test_low_level_at_partner_stays_low(app, page: Page, idp_partner):
    page.goto("/anmelden")
    log_in_at_land_b(page, "paul")
    expect(page.get_by_text("Vertrauensniveau „niedrig“")).to_be_visible()
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    assert account_attributes(app, "paul@example.org")["family_name"] == ("Probe", 1)


def test_state_list_is_accessible(page: Page, idp_partner):
    page.goto("/anmelden/servicekonto")
    expect(page.get_by_label(STATE)).to_be_visible()
    assert_accessible(page, "state list")


def test_answer_posted_again_is_refused(app, page: Page, idp_partner, remote_idp, live_server):
    posted = []
    remote_idp.tamper = lambda xml: posted.append(xml) or xml
    page.goto("/anmelden")
    log_in_at_land_b(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("übernehmen")
    relay_state = page.url.rsplit("/", 1)[-1]
    import base64

    again = requests.post(live_server + "/saml/acs", data={
        "SAMLResponse": base64.b64encode(posted[-1].encode()).decode(), "RelayState": relay_state}, timeout=10)
    assert again.status_code == 400 and "keiner laufenden Anmeldung" in again.text


def test_cancel_at_land_b(app, page: Page, idp_partner):
    page.goto("/anmelden")
    log_in_at_land_b(page, decision="Abbrechen")
    expect(page.get_by_role("alert")).to_contain_text("abgebrochen")


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda xml: xml.replace('Destination="', 'Destination="http://evil.example/x', 1), id="destination"),
    pytest.param(lambda xml: xml.replace("InResponseTo=\"", "InResponseTo=\"x", 1), id="in-response-to"),
])
def test_spoiled_answers_are_refused(app, page: Page, idp_partner, remote_idp, tamper):
    remote_idp.tamper = tamper
    page.goto("/anmelden")
    log_in_at_land_b(page)
    expect(page.get_by_role("alert")).to_contain_text("ungültig")
    assert account_attributes(app, "erika.b@example.org") is None


def test_an_answer_without_a_lasting_identifier_is_refused(app, page: Page, idp_partner, remote_idp):
    # A transient NameID and no bPK2: nothing to link an account to on the next visit.
    remote_idp.name_id_format = NAMEID_FORMAT_TRANSIENT
    page.goto("/anmelden")
    log_in_at_land_b(page)
    expect(page.get_by_role("alert")).to_contain_text("ungültig und wurde verworfen")
    assert account_attributes(app, "erika.b@example.org") is None


def test_answer_cannot_be_finished_in_another_browser(app, browser, page: Page, idp_partner, live_server):
    page.goto("/anmelden")
    log_in_at_land_b(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("übernehmen")
    other = browser.new_context(locale="de-DE", base_url=live_server).new_page()
    other.goto(page.url)
    expect(other.get_by_role("alert")).to_contain_text("gehört nicht zu diesem Browser")
    other.context.close()


# -- this IdP asserting -------------------------------------------------------------------
def test_land_b_gets_only_granted_attributes_at_login_level(app, page: Page, sp_partner, remote_sp, make_account):
    make_account(email="erika@example.org", given_name="Erika", family_name="Mustermann")
    page.goto(remote_sp.base + "/start")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anmeldung für „{STATE}“")
    page.get_by_role("link", name="Weiter zur Anmeldung").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Datenübermittlung an „{STATE}“")
    assert_accessible(page, "asserting consent")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Mustermann")
    page.get_by_label("E-Mail-Adresse übermitteln").uncheck()
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Angekommen bei Land B")
    assert not remote_sp.failures
    response = remote_sp.arrived[-1]
    identity = response.get_identity()
    assert identity["givenName"] == ["Erika"] and identity["sn"] == ["Mustermann"]
    assert "mail" not in identity  # deselected
    assert response.authn_info()[0][0] == "STORK-QAA-Level-1"
    check_emitted_response(remote_sp, app)
    # No single sign-on on the asserting side: the login here ended with the transfer.
    page.goto(app.config["SERVICEKONTO"].issuer + "/mein-bereich")
    expect(page).to_have_url(re.compile(r"/anmelden"))


def test_request_by_http_post_binding(app, page: Page, sp_partner, remote_sp, make_account):
    """A signed AuthnRequest posted cross-site: checked at /saml/sso, then the browser
    is bound to it on a top-level GET (the POST carried no SameSite=Lax cookie)."""
    make_account()
    page.goto(remote_sp.base + "/start?binding=post")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anmeldung für „{STATE}“")
    page.get_by_role("link", name="Weiter zur Anmeldung").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Angekommen bei Land B")
    assert remote_sp.arrived[-1].get_identity()["givenName"] == ["Erika"]


def test_request_belongs_to_the_browser_that_opened_it(page: Page, sp_partner, remote_sp):
    page.goto(remote_sp.base + "/start")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anmeldung für „{STATE}“")
    stranger = requests.get(page.url, timeout=10)  # no cookie of that browser
    assert stranger.status_code == 400 and "anderen Browser" in stranger.text


def test_refusal_on_consent_reaches_land_b_as_request_denied(app, page: Page, sp_partner, remote_sp, make_account):
    make_account()
    page.goto(remote_sp.base + "/start")
    page.get_by_role("link", name="Weiter zur Anmeldung").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    page.get_by_role("button", name="Ablehnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fehler bei Land B")
    assert remote_sp.failures and not remote_sp.arrived


def test_an_organisation_account_is_never_asserted_to_land_b(app, page: Page, sp_partner, remote_sp):
    with app.app_context():
        create_member(create_organisation(), "max.muster@muster-gmbh.example")
    page.goto(remote_sp.base + "/start")
    page.get_by_role("link", name="Weiter zur Anmeldung").click()
    submit_login_form(page, "max.muster@muster-gmbh.example", ORGANISATION_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nur mit persönlichem Servicekonto")
    assert_accessible(page, "asserting refused for an organisation account")
    page.get_by_role("button", name=f"Zurück zu „{STATE}“").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fehler bei Land B")
    assert "RequestDenied" in remote_sp.failures[-1] and not remote_sp.arrived


def test_level_asked_by_land_b_is_enforced(app, page: Page, sp_partner, remote_sp, make_account):
    make_account()
    page.goto(remote_sp.base + "/start?level=STORK-QAA-Level-4")
    page.get_by_role("link", name="Weiter zur Anmeldung").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")
    page.get_by_role("button", name=f"Zurück zu „{STATE}“").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fehler bei Land B")
    assert not remote_sp.arrived


def test_land_b_asking_for_hoch_gets_it_after_the_id_card(app, page: Page, sp_partner, remote_sp, make_account):
    from tests.browser.support import log_in_to_mein_bereich, read_card, upgrade_with_card

    make_account()
    log_in_to_mein_bereich(page)
    upgrade_with_card(page)  # Servicekonto Plus with the card; the upgrade logs out
    page.goto(remote_sp.base + "/start?level=STORK-QAA-Level-4")
    page.get_by_role("link", name="Weiter zur Anmeldung").click()
    submit_login_form(page, "erika@example.org", "ABab1234")
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")
    page.get_by_role("link", name="Mit Online-Ausweisfunktion anmelden").click()
    read_card(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Datenübermittlung an „{STATE}“")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Angekommen bei Land B")
    response = remote_sp.arrived[-1]
    assert response.authn_info()[0][0] == "STORK-QAA-Level-4"
    assert response.get_identity()["sn"] == ["MUSTERMANN"]  # as the card holds it
    assertion = safexml.parse(decode_post(remote_sp.raw[-1]))
    decrypted = decrypt_assertion(assertion.find(f"{{{SAML}}}EncryptedAssertion"), [remote_sp.encryption_pair])
    levels = {a.get("Name"): a.get(f"{{{AKDB}}}TrustLevel") for a in decrypted.iter(f"{{{SAML}}}Attribute")}
    assert levels[SURNAME] == "STORK-QAA-Level-4"


def test_passive_request_is_answered_no_passive(app, page: Page, sp_partner, remote_sp, make_account):
    from tests.browser.support import log_in_to_mein_bereich

    make_account()
    log_in_to_mein_bereich(page)  # even with a login here: no single sign-on on this side
    page.goto(remote_sp.base + "/start?passive=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fehler bei Land B")
    assert not remote_sp.arrived and "NoPassive" in decode_post(remote_sp.raw[-1]).decode()


def test_existing_login_is_not_reused(app, page: Page, sp_partner, remote_sp, make_account):
    from tests.browser.support import log_in_to_mein_bereich

    make_account()
    log_in_to_mein_bereich(page)
    page.goto(remote_sp.base + "/start")
    expect(page.get_by_text("Bitte melden Sie sich dafür erneut an")).to_be_visible()


def test_unknown_partner_is_refused(app, page: Page, remote_sp):
    page.goto(remote_sp.base + "/start")
    expect(page.get_by_role("alert")).to_contain_text("keinem Servicekonto, mit dem wir verbunden sind")
