"""Every area's pages at 200 % zoom (a 640-px-wide window, BITV 2.0 / WCAG 1.4.4 and
1.4.10) in German and, after the switch in the page, in English: axe-core finds
nothing, the page does not scroll sideways, and no German of the catalogue is left on
the English page. The data behind the pages are set up without a browser; its login
is carried over to the browser, one per person."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from idp.extensions import db
from idp.loa import Level
from idp.operations import operators
from idp.organisations import delegation as delegations
from idp.organisations.models import Delegation
from tests.browser.support import assert_accessible
from tests.catalogue.support import list_service
from tests.conftest import Browserless
from tests.organisations.support_c import ADMIN, LEITSTELLE, add_user, furnished_organisation
from tests.postfach.pages_support import add_service, send
from tests.support.federation import add_oidc_partner, arrived
from tests.support.languages import check_english, switch_to
from tests.support.organisations import make_organisation as organisation_with_admin
from tests.support.registry_office import clerk_with_a_case
from tests.support.sessions import log_in_at_level

pytestmark = pytest.mark.browser

NARROW = {"width": 640, "height": 800}


@pytest.fixture
def narrow(browser, live_server):
    """A browser window of 640 px, as a 1280-px screen shows pages at 200 %; German
    until the switch."""
    contexts = []

    def open_page(agent: Browserless | None = None) -> Page:
        context = browser.new_context(locale="de-DE", base_url=live_server, viewport=NARROW)
        context.set_default_timeout(15000)
        contexts.append(context)
        if agent is not None:
            carry_login(agent, context, live_server)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def carry_login(agent: Browserless, context, live_server: str) -> None:
    """The login session of `agent` (a test client) in the browser's cookie jar."""
    name = agent.client.application.config["SESSION_COOKIE_NAME"]
    cookie = agent.client.get_cookie(name)
    assert cookie is not None, "the test client has no session"
    context.add_cookies([{"name": name, "value": cookie.value, "url": live_server}])


def does_not_scroll_sideways(page: Page, what: str) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"), (
        f"{what} ({page.url}) scrolls sideways at 640 px")


def in_both_languages(page: Page, paths: list[str]) -> None:
    """Each page in German, then the switch to English on the last one, then each page
    in English (and back to German for what follows)."""
    for path in paths:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        assert_accessible(page, f"{path} at 640 px (Deutsch)")
        does_not_scroll_sideways(page, path)
    switch_to(page, "English")
    found: dict[str, list[str]] = {}
    for path in paths:
        page.goto(path)
        check_english(page, f"{path} at 640 px", found)
        does_not_scroll_sideways(page, path)
    assert not found, f"German left on English pages: {found}"
    switch_to(page, "Deutsch")


def test_servicekonto_business_administration(app, narrow, make_client, make_account):
    admin = Browserless(app)
    built = furnished_organisation(app, make_client, make_account, admin)
    user_id, group_id, mailbox_id = built["user"], built["group"], built["mailbox"]
    colleague_id = add_user(app, built["organisation"], "karla@muster.example", given_name="Karla",
                            family_name="Kollegin")
    with app.app_context():
        # Karla has been Uwe's deputy: the Vertretung page lists it with its record.
        delegation = Delegation(organisation_id=built["organisation"], principal_id=user_id, deputy_id=colleague_id,
                                starts_on=delegations.today() - timedelta(days=1), scope="postfach")
        db.session.add(delegation)
        db.session.flush()
        delegations.record(delegation, delegations.TAKEN_UP)
        delegations.record(delegation, delegations.CASE_READ, "Umsatzsteuer 2026")
        db.session.commit()

    page = narrow(admin)
    in_both_languages(page, [
        "/administration", "/administration/unternehmensdaten", "/administration/unternehmensdaten/loeschen",
        "/administration/benutzer", "/administration/benutzer/neu", f"/administration/benutzer/{user_id}",
        f"/administration/benutzer/{user_id}/e-mail", f"/administration/benutzer/{user_id}/loeschen",
        "/administration/gruppen", "/administration/gruppen/neu", f"/administration/gruppen/{group_id}",
        f"/administration/gruppen/{group_id}/benutzer", f"/administration/gruppen/{group_id}/online-dienste",
        f"/administration/gruppen/{group_id}/loeschen",
        "/administration/funktionspostfaecher", "/administration/funktionspostfaecher/neu",
        f"/administration/funktionspostfaecher/{mailbox_id}",
        f"/administration/funktionspostfaecher/{mailbox_id}/loeschen",
        "/administration/online-dienste", f"/administration/online-dienste?benutzer={user_id}",
        f"/administration/online-dienste/{built['auto']}/beenden", "/vertretung"])

    staff = Browserless(app)
    staff.login(email=LEITSTELLE)
    in_both_languages(narrow(staff), ["/leitstelle", f"/leitstelle/{built['waiting']}/{built['organisation']}"])


def test_catalogue_postfach_and_federation(app, narrow, make_account):
    account_id = make_account()
    list_service(app, "Hundesteuer", description="Anmeldung eines Hundes.", authority="Rathaus", fees="30 EUR",
                 min_loa="substanziell", audience="both")
    partner_id = add_oidc_partner(app)
    with app.app_context():
        sent = send(add_service("Wohngeld"), account_id=account_id, reference="WG-7", title="Wohngeld 2026",
                    subject="Ihr Bescheid", text="Hier ist Ihr Bescheid.", reply_allowed=True)
    in_both_languages(narrow(), ["/online-dienste", "/online-dienste?q=Hund", "/anmelden/servicekonto"])

    citizen = Browserless(app)
    citizen.login()
    case = f"/postfach/vorgang/{sent.case_id}"
    in_both_languages(narrow(citizen), [
        "/online-dienste", "/postfach/", "/postfach/gesendet", "/postfach/papierkorb", case,
        f"{case}/antworten/{sent.message_id}", "/mein-bereich/servicekonten"])

    newcomer = Browserless(app)
    take_over = arrived(app, newcomer, partner_id)
    in_both_languages(narrow(newcomer), [take_over])


def test_elster(app, narrow):
    organisation_with_admin(app)
    admin = Browserless(app)
    admin.login(email=ADMIN)
    page = narrow(admin)
    # The page that carries the request to ELSTER stays when its script does not come.
    autosubmit = re.compile(r"/static/autosubmit\.js")
    page.route(autosubmit, lambda route: route.abort())
    in_both_languages(page, ["/mein-bereich/elster", "/elster/ergebnis/unbekannt", "/anmelden/elster"])
    page.unroute(autosubmit)

    page.goto("/mein-bereich/elster")
    page.get_by_role("button", name="Zertifikat hinterlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden mit ELSTER-Zertifikat (Simulator)")
    page.get_by_label("Musterbau GmbH – Anna Berger").check()
    page.get_by_role("button", name="Anmelden und Daten übermitteln").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ELSTER-Zertifikat prüfen")
    in_both_languages(page, [re.sub(r"^https?://[^/]+", "", page.url)])
    page.get_by_role("button", name="Bestätigen und hinterlegen").click()
    expect(page.get_by_role("status")).to_contain_text("Ihr ELSTER-Zertifikat ist hinterlegt")
    in_both_languages(page, ["/mein-bereich/elster", "/administration/unternehmensdaten"])


def test_the_operator_console(app, narrow, make_account, make_client):
    account_id = make_account(email="ops@land.example", given_name="Olaf", family_name="Olsen")
    with app.app_context():
        operators.grant("ops@land.example")
    client = make_client(name="Hundesteuer")
    add_oidc_partner(app)
    operator = Browserless(app)
    log_in_at_level(app, operator, account_id, Level.HOCH)
    # Something in the Protokoll to show.
    operator.submit("/betrieb/signaturschluessel", {}, action="/betrieb/signaturschluessel/rotieren")
    in_both_languages(narrow(operator), [
        "/betrieb", "/betrieb/online-dienste", "/betrieb/online-dienste/neu",
        f"/betrieb/online-dienste/{client.client_id}", "/betrieb/signaturschluessel", "/betrieb/rollen",
        "/betrieb/foederationspartner", "/betrieb/protokoll", "/betrieb/protokoll?ereignis=betrieb"])


def test_the_registry_office(app, narrow, make_account):
    clerk, case = clerk_with_a_case(app, make_account)
    office = Browserless(app)
    log_in_at_level(app, office, clerk, Level.HOCH)
    in_both_languages(narrow(office), ["/meldebehoerde", f"/meldebehoerde?vorgang={case}",
                                       f"/meldebehoerde/vorgang/{case}"])
