"""Helpers for the browser tests: filling the IdP's forms the way a person does,
running axe-core against a page, starting at an online service, and reading an ID
card on the eID-Client simulator."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from idp.extensions import db
from idp.oidc.models import Client
from tests.support.flows import authorize_query

PASSWORD = "Sonnenblume-42"  # for accounts registered through the pages
ACCOUNT_PASSWORD = "ABab1234"  # the `make_account` fixture's default
WRONG_CREDENTIALS = "E-Mail-Adresse oder Passwort ist nicht korrekt."
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()


def path_is(path: str) -> re.Pattern:
    """A URL pattern for `expect(page).to_have_url` that ignores host and query."""
    return re.compile(r"^https?://[^/]+" + re.escape(path) + r"(\?.*)?$")


def field_error(page: Page, name: str):
    """The message shown next to a form field (`<div id="{name}-fehler">`)."""
    return page.locator(f"#{name}-fehler")


def fill_registration(page: Page, *, given_name="Erika", family_name="Mustermann", email="erika@example.org",
                      password=PASSWORD, repeat=None, salutation=None, title=None) -> None:
    """Fill /registrierung by its labels and press "Weiter"."""
    if salutation is not None:
        page.get_by_label("Anrede").select_option(salutation)
    if title is not None:
        page.get_by_label("Titel").fill(title)
    page.get_by_label("Vorname").fill(given_name)
    page.get_by_label("Nachname").fill(family_name)
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_label("Passwort wiederholen").fill(password if repeat is None else repeat)
    page.get_by_role("button", name="Weiter").click()


def create_account_on_overview(page: Page) -> None:
    """On /registrierung/uebersicht: consent and "Servicekonto anlegen"."""
    expect(page).to_have_url(path_is("/registrierung/uebersicht"))
    page.get_by_label(re.compile("Datenverarbeitung")).check()
    page.get_by_role("button", name="Servicekonto anlegen").click()
    expect(page).to_have_url(path_is("/registrierung/gesendet"))


def log_in(page: Page, email="erika@example.org", password="ABab1234") -> None:
    """Log in on /anmelden with e-mail address and password."""
    page.goto("/anmelden")
    submit_login_form(page, email, password)


def log_in_to_mein_bereich(page: Page, email: str = "erika@example.org", password: str = ACCOUNT_PASSWORD) -> None:
    """Log in on the login page and land in Mein Bereich."""
    log_in(page, email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Bereich")


def try_log_in(page: Page, email: str, password: str) -> bool:
    """Whether the login page lets these credentials in (to Mein Bereich); a refusal
    must be the one message that does not tell whether the address exists."""
    log_in(page, email, password)
    admitted = page.get_by_role("heading", name="Mein Bereich", level=1)
    refused = page.get_by_role("alert")
    expect(admitted.or_(refused)).to_be_visible()
    if refused.count():
        expect(refused).to_have_text(WRONG_CREDENTIALS)
        return False
    return True


def field(page: Page, label: str):
    """A form field by its label, whether or not the label says "(optional)"."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(optional\))?$"))


def fill(page: Page, values: dict[str, str]) -> None:
    """Fill form fields by their labels (label → value)."""
    for label, value in values.items():
        field(page, label).fill(value)


def fill_password(page: Page, password: str = PASSWORD, repeat: str | None = None) -> None:
    page.get_by_label(re.compile(r"^Passwort( \(optional\))?$")).fill(password)
    page.get_by_label(re.compile(r"^Passwort wiederholen( \(optional\))?$")).fill(
        password if repeat is None else repeat)


def summary(page) -> dict[str, str]:
    """The "Mein Profil" card on the Mein-Bereich page as label → value."""
    card = page.locator("section", has=page.get_by_role("heading", name="Mein Profil", level=2))
    expect(card).to_be_visible()
    terms = card.locator("dt").all_inner_texts()
    values = card.locator("dd").all_inner_texts()
    return dict(zip(terms, values))


def submit_login_form(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden", exact=True).click()


def axe_violations(page: Page) -> list[dict]:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                      "resultTypes": ["violations"]})
    return results.response["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("        " + node["failureSummary"].replace("\n", "\n        "))
    return "\n".join(lines)


def assert_accessible(page: Page, what: str) -> None:
    """axe-core with the WCAG 2.1 A/AA rules finds nothing on the current page."""
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    assert not violations, f"{what} ({page.url}) has accessibility violations:\n{describe_violations(violations)}"


# -- online services -----------------------------------------------------------------------
def authorization_url(client, **extra) -> str:
    """Where an online service sends the browser to log in (`extra` adds or overrides)."""
    return "/authorize?" + urlencode(authorize_query(client, scope="openid profile email", state="s", nonce="n",
                                                     **extra))


def demo_client_id(app) -> str:
    """The client id of the `demo_service` fixture's online service."""
    with app.app_context():
        return db.session.query(Client).filter_by(name="Demo-Online-Dienst").one().client_id


# -- the Online-Ausweisfunktion through the eID-Client simulator ---------------------------
CARD_LABELS = {
    "erika": "Erika Mustermann (Personalausweis, volljährig)",
    "jonas": "Jonas Mustermann (Personalausweis, 15 Jahre alt)",
    "abgelaufen": "Ansgar Mustermann (Personalausweis, abgelaufen)",
    "tag-unbekannt": "Hans Mustermann (Personalausweis, Geburtstag unbekannt)",
}


def read_card(page: Page, card: str = "erika", pin: str = "123456", pseudonym: bool | None = True) -> None:
    """On the eID-Client simulator (the AusweisApp's place): choose the card, allow or
    withhold the pseudonym where it is optional, enter the PIN, send."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Ausweisdaten übermitteln")
    page.get_by_label(CARD_LABELS[card]).check()
    checkbox = page.get_by_label("Pseudonym an den Anbieter übermitteln")
    if pseudonym is not None and checkbox.count():
        checkbox.set_checked(pseudonym)
    page.get_by_label("PIN", exact=True).fill(pin)
    page.get_by_role("button", name="Übermitteln").click()


def log_in_with_card(page: Page, card="erika") -> None:
    page.goto("/anmelden")
    page.get_by_role("link", name="Mit Online-Ausweisfunktion").click()
    read_card(page, card)


def upgrade_with_card(page: Page, card="erika", pseudonym=True) -> None:
    page.goto("/mein-bereich/upgrade")
    page.get_by_role("button", name="Mit Online-Ausweisfunktion").click()
    read_card(page, card, pseudonym=pseudonym)
