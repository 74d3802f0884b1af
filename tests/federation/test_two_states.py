"""Two instances of this IdP as two states (the `make run` demo's set-up): a citizen
of Land B registers in Land A with the Servicekonto of Land B — A relying, B
asserting, both sides ours, over SAML in a real browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from idp.devserver import federate
from idp.extensions import db
from idp.loa import Level
from tests.browser.support import submit_login_form
from tests.support.two_states import two_states

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lands(tmp_path_factory):
    with two_states(tmp_path_factory.mktemp("two-states")) as (app_a, app_b):
        federate(app_a, app_b)
        yield app_a, app_b


def _citizen_of_b(app_b) -> None:
    from idp.accounts.models import Account
    from idp.accounts.passwords import hash_password
    from idp.accounts.policy import normalize_email

    with app_b.app_context():
        account = Account(email="berta@example.org", email_normalized=normalize_email("berta@example.org"),
                          password_hash=hash_password("ABab1234"), status="active")
        db.session.add(account)
        for name, value in (("given_name", "Berta"), ("family_name", "Beispiel"), ("city", "Bremen"),
                            ("email", "berta@example.org")):
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
