"""Two instances of this IdP as two states (the `make run` demo's set-up): a citizen
of Land B registers in Land A with the Servicekonto of Land B — A relying, B
asserting, both sides ours, over SAML in a real browser."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from idp.devserver import federate
from idp.extensions import db
from idp.loa import Level
from tests.browser.support import submit_login_form
from tests.conftest import pkce_pair, query_of
from tests.support.two_states import two_states

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lands(tmp_path_factory):
    with two_states(tmp_path_factory.mktemp("two-states")) as (app_a, app_b):
        federate(app_a, app_b)
        yield app_a, app_b


def _citizen_of_b(app_b, email="berta@example.org") -> None:
    from idp.accounts.models import Account
    from idp.accounts.passwords import hash_password
    from idp.accounts.policy import normalize_email

    with app_b.app_context():
        account = Account(email=email, email_normalized=normalize_email(email),
                          password_hash=hash_password("ABab1234"), status="active")
        db.session.add(account)
        for name, value in (("given_name", "Berta"), ("family_name", "Beispiel"), ("city", "Bremen"),
                            ("email", email)):
            account.set_attribute(name, value, Level.NIEDRIG, "self")
        db.session.commit()


def _attributes_in(app, email):
    from sqlalchemy import select

    from idp.accounts.models import Account

    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.email == email))
        return None if account is None else {a.name: (a.value, a.level) for a in account.attributes}


def test_citizen_of_land_b_registers_in_land_a(browser, lands):
    app_a, app_b = lands
    _citizen_of_b(app_b)
    a, b = app_a.config["SERVICEKONTO"].issuer, app_b.config["SERVICEKONTO"].issuer
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        page.goto(a + "/anmelden")
        page.get_by_role("link", name="Mit anderem Servicekonto anmelden").click()
        page.get_by_label("Land B").check()
        page.get_by_role("button", name="Weiter").click()
        # In Land B: log in there (always anew), consent there.
        expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung für „Land A“")
        page.get_by_role("link", name="Weiter zur Anmeldung").click()
        submit_login_form(page, "berta@example.org", "ABab1234")
        expect(page.get_by_role("heading", level=1)).to_have_text("Datenübermittlung an „Land A“")
        page.get_by_label("Wohnort übermitteln").uncheck()
        page.get_by_role("button", name="Zustimmen").click()
        # Back in Land A: take the data over.
        expect(page.get_by_role("heading", level=1)).to_have_text("Daten aus „Land B“ übernehmen")
        expect(page).to_have_url(re.compile("^" + re.escape(a)))
        expect(page.get_by_role("table")).not_to_contain_text("Bremen")  # deselected in Land B
        expect(page.get_by_label("E-Mail-Adresse")).to_have_value("berta@example.org")
        page.get_by_role("button", name="Zustimmen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")

        attributes = _attributes_in(app_a, "berta@example.org")
        assert attributes["given_name"] == ("Berta", 1) and attributes["family_name"] == ("Beispiel", 1)
        assert "city" not in attributes
        # Land B's login ended with the transfer: no single sign-on on the asserting side.
        page.goto(b + "/mein-bereich")
        expect(page).to_have_url(re.compile(re.escape(b) + "/anmelden"))
        # Land A's session is untouched by Land B's cookies.
        page.goto(a + "/mein-bereich")
        expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")
    finally:
        context.close()


def _online_service_of_a(app_a) -> tuple[str, str]:
    from idp.clients import add_client

    with app_a.app_context():
        client, _ = add_client(name="Wohngeld", redirect_uris=[SERVICE + "/callback"])
        return client.client_id, SERVICE + "/callback"


def _activation_link_in(app, email) -> str:
    from sqlalchemy import select

    from idp.mail.outbox import OutboxMail

    with app.app_context():
        body = db.session.scalar(select(OutboxMail.body).where(OutboxMail.recipient == email))
    return next(x for x in re.findall(r"https?://\S+", body) if "/registrierung/aktivieren/" in x)


SERVICE = "http://127.0.0.1:9"  # answered by the browser's route: nothing listens there


def test_citizen_of_land_b_with_another_address_ends_at_the_online_service(browser, lands):
    """The take-over with an address the partner did not vouch for waits for the
    activation link; the link then continues the online service's request."""
    app_a, app_b = lands
    _citizen_of_b(app_b, "clara@example.org")
    client_id, redirect_uri = _online_service_of_a(app_a)
    a = app_a.config["SERVICEKONTO"].issuer
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(15000)
    context.route(SERVICE + "/**", lambda route: route.fulfill(status=200, content_type="text/plain",
                                                                 body="Online-Dienst"))
    page = context.new_page()
    try:
        page.goto(a + "/authorize?" + urlencode(dict(
            response_type="code", client_id=client_id, redirect_uri=redirect_uri, scope="openid profile",
            state="zustand-7", code_challenge=pkce_pair()[1], code_challenge_method="S256")))
        expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
        page.get_by_role("link", name="Mit anderem Servicekonto anmelden").click()
        page.get_by_label("Land B").check()
        page.get_by_role("button", name="Weiter").click()
        page.get_by_role("link", name="Weiter zur Anmeldung").click()
        submit_login_form(page, "clara@example.org", "ABab1234")
        page.get_by_role("button", name="Zustimmen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Daten aus „Land B“ übernehmen")
        page.get_by_label("E-Mail-Adresse").fill("clara.neu@example.org")
        page.get_by_role("button", name="Zustimmen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse bestätigen")
        expect(page.get_by_role("status")).to_contain_text("beim Online-Dienst weiter")

        page.goto(_activation_link_in(app_a, "clara.neu@example.org"))
        page.get_by_role("button", name="Servicekonto aktivieren").click()
        # Land A asks for the consent to the online service, then answers it.
        expect(page.get_by_role("button", name="Zustimmen")).to_be_visible()
        page.get_by_role("button", name="Zustimmen").click()
        expect(page).to_have_url(re.compile("^" + re.escape(redirect_uri) + r"\?"))
        answer = query_of(page.url)
        assert answer["code"] and answer["state"] == "zustand-7" and answer["iss"] == a
    finally:
        context.close()
