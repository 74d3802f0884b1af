"""Another state's Servicekonto that speaks OpenID Connect (panva's oidc-provider, a
certified OP) as the citizen's way in: registration by taking the data over, login
with the linked account, the level capped by the partner's trust in this IdP's own
tokens, linking an account that exists here, and no linking by e-mail address."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.browser.relying_party import RelyingParty, verify_jwt
from tests.browser.support import assert_accessible, log_in_to_mein_bereich, path_is
from tests.conftest import pkce_pair
from tests.peers.oidc_provider import EIDAS_HIGH, OidcProviderPeer

pytestmark = pytest.mark.browser

CLIENT_ID, CLIENT_SECRET = "servicekonto-land-a", "geheim-land-a-0123456789"
STATE_NAME = "Land C"
VERIFIED = {"verification": {"trust_framework": "eidas", "assurance_level": "high"},
            "claims": {"given_name": "Erika", "family_name": "Musterfrau", "birthdate": "1964-08-12"}}


@pytest.fixture(scope="module")
def partner_op(live_server):
    config = {
        "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                     "redirect_uris": [live_server + "/anmelden/servicekonto/rueckkehr"]}],
        "acr_values": ["http://eidas.europa.eu/LoA/low", "http://eidas.europa.eu/LoA/substantial", EIDAS_HIGH],
        "accounts": {
            "erika": {"acr": EIDAS_HIGH, "amr": ["hwk", "pin"], "claims": {
                "given_name": "Erika", "family_name": "Musterfrau", "birthdate": "1964-08-12",
                "email": "erika.c@example.org", "email_verified": True,
                "address": {"street_address": "Heidestraße 17", "postal_code": "51147", "locality": "Köln"},
                "verified_claims": VERIFIED}},
            "ohne-namen": {"acr": EIDAS_HIGH, "amr": ["pwd"], "claims": {"email": "anonym@example.org"}},
        },
    }
    with OidcProviderPeer(max_seconds=600) as op:
        yield op.start(config)


@pytest.fixture
def partner(app, partner_op):
    from federation import partners
    from idp.loa import Level

    with app.app_context():
        added = partners.add(STATE_NAME, "oidc", partner_op, Level.SUBSTANZIELL, client_id=CLIENT_ID,
                             client_secret=CLIENT_SECRET)
        return added.id


def choose_state(page: Page) -> None:
    page.get_by_role("link", name="Mit anderem Servicekonto anmelden").click()
    page.get_by_label(STATE_NAME).check()
    page.get_by_role("button", name="Weiter").click()


def log_in_at_partner(page: Page, username: str = "erika") -> None:
    """From the login page: the state, then the partner's own login and consent."""
    choose_state(page)
    page.get_by_label("Benutzername").fill(username)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Zustimmen").click()


def account_by_email(app, email):
    from sqlalchemy import select

    from idp.accounts.models import Account
    from idp.extensions import db

    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.email == email))
        return None if account is None else {
            "id": account.id, "status": account.status,
            "attributes": {a.name: (a.value, a.level, a.source) for a in account.attributes}}


def test_registration_with_other_state_takes_data_over_at_capped_levels(app, page: Page, partner):
    page.goto("/registrierung")
    log_in_at_partner(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Daten aus „{STATE_NAME}“ übernehmen")
    # The partner asserted hoch; this IdP trusts it for substanziell only.
    expect(page.get_by_text("Vertrauensniveau „substanziell“")).to_be_visible()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Musterfrau")
    expect(table).to_contain_text("12.08.1964")
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("erika.c@example.org")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")

    account = account_by_email(app, "erika.c@example.org")
    assert account["status"] == "active"
    attributes = account["attributes"]
    assert attributes["family_name"][:2] == ("Musterfrau", 2)  # hoch at the partner, capped to substanziell
    assert attributes["birth_date"][:2] == ("12.08.1964", 2)
    assert attributes["street"][0] == "Heidestraße" and attributes["house_number"][0] == "17"
    assert attributes["city"][:2] == ("Köln", 1)  # not verified at the partner: niedrig
    assert attributes["family_name"][2].startswith("fed:")


def test_no_take_over_without_consent(app, page: Page, partner):
    page.goto("/anmelden")
    log_in_at_partner(page)
    page.get_by_role("button", name="Ablehnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keine Daten übernommen")
    assert account_by_email(app, "erika.c@example.org") is None


def test_linked_account_logs_in_and_online_service_gets_capped_level_and_fed(app, page: Page, partner, make_client,
                                                                               live_server):
    page.goto("/anmelden")
    log_in_at_partner(page)
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    page.get_by_role("button", name="Abmelden").click()

    rp = RelyingParty().start()
    try:
        client = make_client(redirect_uri=rp.redirect_uri)
        verifier, challenge = pkce_pair()
        page.goto("/authorize?" + urlencode(dict(
            response_type="code", client_id=client.client_id, redirect_uri=client.redirect_uri,
            scope="openid profile", state="s", nonce="n", code_challenge=challenge, code_challenge_method="S256",
            acr_values="http://eidas.europa.eu/LoA/substantial")))
        # Second time: the partner still knows the browser, and here the link logs
        # straight in, without a take-over page.
        choose_state(page)
        page.get_by_role("button", name="Zustimmen").click()  # the online service's consent page here
        expect(page.get_by_text("Anmeldung angekommen.")).to_be_visible()
        import requests

        body = requests.post(live_server + "/token", data=dict(
            grant_type="authorization_code", code=rp.callbacks[-1]["code"], redirect_uri=client.redirect_uri,
            code_verifier=verifier), auth=(client.client_id, client.client_secret), timeout=10).json()
        claims = verify_jwt(body["id_token"], live_server, client.client_id)
        assert claims["loa"] == "substanziell"
        assert "fed" in claims["amr"] and "hwk" in claims["amr"]
    finally:
        rp.stop()


def test_online_service_asking_for_more_than_the_partner_is_trusted_for_gets_step_up(page: Page, partner,
                                                                                     make_client):
    client = make_client()
    verifier, challenge = pkce_pair()
    page.goto("/authorize?" + urlencode(dict(
        response_type="code", client_id=client.client_id, redirect_uri=client.redirect_uri, scope="openid",
        state="s", nonce="n", code_challenge=challenge, code_challenge_method="S256", acr_values=EIDAS_HIGH)))
    log_in_at_partner(page)
    page.get_by_role("button", name="Zustimmen").click()  # take-over
    expect(page.get_by_role("heading", level=1)).to_have_text("Höheres Vertrauensniveau erforderlich")


def test_never_linked_by_email_alone(app, page: Page, partner, make_account):
    make_account(email="erika.c@example.org", family_name="Musterfrau")
    page.goto("/anmelden")
    log_in_at_partner(page)
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("alert")).to_contain_text("nie allein wegen der E-Mail-Adresse verbunden")
    # The data are still there for another try with another address.
    page.get_by_label("E-Mail-Adresse").fill("erika.neu@example.org")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse bestätigen")
    assert account_by_email(app, "erika.neu@example.org")["status"] == "pending"
    assert account_by_email(app, "erika.c@example.org")["attributes"]["family_name"][2] == "self"


def test_existing_account_links_after_login_and_then_logs_in_with_partner(app, page: Page, partner, make_account):
    make_account(email="erika@example.org")
    log_in_to_mein_bereich(page)
    page.get_by_role("link", name="Verbundene Servicekonten").click()
    page.get_by_role("link", name="Mit anderem Servicekonto verbinden").click()
    page.get_by_label(STATE_NAME).check()
    page.get_by_role("button", name="Weiter").click()
    page.get_by_label("Benutzername").fill("erika")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konten verbinden")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konten verbunden")
    # Better-proven data replace the self-entered ones.
    assert account_by_email(app, "erika@example.org")["attributes"]["family_name"][:2] == ("Musterfrau", 2)

    page.get_by_role("button", name="Abmelden").click()
    page.goto("/anmelden")
    choose_state(page)  # the partner still knows the browser
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    expect(page.get_by_text("erika@example.org")).to_be_visible()
    assert account_by_email(app, "erika.c@example.org") is None

    # The link can be undone under Mein Bereich; the partner then no longer logs in here.
    page.get_by_role("link", name="Verbundene Servicekonten").click()
    assert_accessible(page, "linked accounts")
    page.get_by_role("button", name=f"Verbindung zu {STATE_NAME} lösen").click()
    expect(page.get_by_text("mit keinem Servicekonto eines anderen Bundeslandes verbunden")).to_be_visible()
    page.get_by_role("button", name="Abmelden").click()
    page.goto("/anmelden")
    choose_state(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Daten aus „{STATE_NAME}“ übernehmen")


def test_partner_without_names_cannot_make_an_account(app, page: Page, partner):
    page.goto("/anmelden")
    log_in_at_partner(page, "ohne-namen")
    page.get_by_role("button", name="Zustimmen").click()
    expect(page.get_by_role("alert")).to_contain_text("Vor- und Nachnamen nicht übermittelt")


def test_cancel_at_partner(page: Page, partner):
    page.goto("/anmelden")
    page.get_by_role("link", name="Mit anderem Servicekonto anmelden").click()
    page.get_by_label(STATE_NAME).check()
    page.get_by_role("button", name="Weiter").click()
    page.get_by_role("button", name="Abbrechen").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("abgebrochen"))


def test_no_state_chosen(page: Page, partner):
    page.goto("/anmelden/servicekonto")
    page.get_by_role("button", name="Weiter").click()
    expect(page.locator("#partner-fehler")).to_contain_text("Bitte wählen Sie das Bundesland")
    expect(page).to_have_url(path_is("/anmelden/servicekonto"))


def test_the_operator_gives_the_partners_secret_in_a_file(app, page: Page, partner_op, tmp_path):
    """`servicekonto partners add --client-secret-file`: the secret never on the command
    line, and the one read from the file is the one the partner's token endpoint takes."""
    from tests.support.cli import app_env, run

    secret_file = tmp_path / "land-c-secret"
    secret_file.write_text(CLIENT_SECRET + "\n")
    added = run(app_env(app, tmp_path), "partners", "add", "--name", STATE_NAME, "--protocol", "oidc",
                "--metadata", partner_op, "--max-loa", "substanziell", "--client-id", CLIENT_ID,
                "--client-secret-file", str(secret_file))
    assert added.returncode == 0, added.stderr
    assert CLIENT_SECRET not in added.stdout

    page.goto("/registrierung")
    log_in_at_partner(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Daten aus „{STATE_NAME}“ übernehmen")
