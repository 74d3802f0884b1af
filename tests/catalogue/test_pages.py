"""The page "Online-Dienste" and its suggestions, as a browser without JavaScript and
the page's script see them: entries, and for a logged-in user why a service cannot be
used and what to do."""
from __future__ import annotations

import lxml.html
import pytest

from idp.accounts.models import EidLink
from idp.extensions import db
from idp.loa import Level
from idp.organisations import delegation as delegations
from idp.organisations.models import Delegation
from tests.catalogue.support import list_service
from tests.conftest import Browserless
from tests.organisations.support_f import PASSWORD, make_team
from tests.support.organisations import grant, make_organisation, subscribe

UPGRADE_URL = "/mein-bereich/upgrade"


def entry(response, client_id: str) -> lxml.html.HtmlElement:
    assert response.status_code == 200
    return lxml.html.fromstring(response.text).get_element_by_id(f"dienst-{client_id}")


def text_of(element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def links_of(element) -> dict[str, str]:
    return {" ".join(a.text_content().split()): a.get("href") for a in element.iter("a")}


def test_a_visitor_sees_each_entry_with_what_the_service_needs(app, user_agent):
    client_id = list_service(app, "Gewerbeanmeldung", start_url="https://gewerbe.example.de/start",
                             description="Melden Sie ein Gewerbe an.", authority="Gewerbeamt Musterstadt",
                             fees="26 Euro, online zu bezahlen", min_loa="substanziell", audience="both")
    page = user_agent.get("/online-dienste?q=gewerbe")
    shown = text_of(entry(page, client_id))
    for words in ("Gewerbeanmeldung", "Melden Sie ein Gewerbe an.", "Zuständige Behörde Gewerbeamt Musterstadt",
                  "Vertrauensniveau substanziell", "Für Bürgerinnen und Bürger sowie Organisationen",
                  "Gebühren 26 Euro, online zu bezahlen"):
        assert words in shown
    assert links_of(entry(page, client_id))["Hier starten: Gewerbeanmeldung"] == "https://gewerbe.example.de/start"
    assert "nicht nutzen" not in shown
    assert 'for="q">Online-Dienst suchen</label>' in page.text


@pytest.mark.parametrize("audience, shown", [("citizens", "Für Bürgerinnen und Bürger"),
                                             ("organisations", "Für Organisationen")])
def test_the_audience_is_named(app, user_agent, audience, shown):
    client_id = list_service(app, "Dienst", audience=audience, min_loa="hoch")
    text = text_of(entry(user_agent.get("/online-dienste"), client_id))
    assert shown in text and "Vertrauensniveau hoch" in text


def test_a_search_without_match_says_so(app, user_agent):
    list_service(app, "Wohngeld")
    page = user_agent.get("/online-dienste?q=Hundesteuer")
    assert "0 Online-Dienste zu „Hundesteuer“" in page.text and "kein Online-Dienst gefunden" in page.text
    assert 'value="Hundesteuer"' in page.text  # the field keeps what was searched


def test_the_page_is_linked_from_the_header_and_the_start_page(user_agent):
    start = lxml.html.fromstring(user_agent.get("/").text)
    assert start.xpath('//nav//a[@href="/online-dienste"]') and start.xpath('//main//a[@href="/online-dienste"]')


# -- suggestions (JSON for catalogue.js) -----------------------------------------------------
def test_suggestions_name_the_matching_services_with_the_address_that_shows_them(app, user_agent):
    list_service(app, "Führerschein umtauschen", authority="Fahrerlaubnisbehörde")
    list_service(app, "Wohngeld")
    answer = user_agent.get("/online-dienste/vorschlaege?q=fuehrer")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.json == {"suggestions": [{
        "name": "Führerschein umtauschen", "authority": "Fahrerlaubnisbehörde",
        "url": "/online-dienste?q=F%C3%BChrerschein+umtauschen"}]}
    shown = user_agent.get(answer.json["suggestions"][0]["url"])
    assert "1 Online-Dienst zu „Führerschein umtauschen“" in shown.text


@pytest.mark.parametrize("query", ["", "f", "zzz"])
def test_no_suggestions_for_too_little_or_nothing_found(app, user_agent, query):
    list_service(app, "Führerschein umtauschen")
    assert user_agent.get(f"/online-dienste/vorschlaege?q={query}").json == {"suggestions": []}


def test_suggestions_leave_out_unlisted_and_disabled_services(app, user_agent):
    list_service(app, "Gewerbeanmeldung", listed=False)
    assert user_agent.get("/online-dienste/vorschlaege?q=gewerbe").json == {"suggestions": []}


# -- eligibility of the logged-in user --------------------------------------------------------
def test_a_basic_servicekonto_learns_it_needs_plus_for_substanziell(app, user_agent, make_account):
    make_account()
    client_id = list_service(app, "Wohngeld", min_loa="substanziell")
    user_agent.login()
    shown = entry(user_agent.get("/online-dienste"), client_id)
    assert "Sie können diesen Online-Dienst mit Ihrer Anmeldung nicht nutzen." in text_of(shown)
    assert "Servicekonto Plus" in text_of(shown)
    assert links_of(shown)["Upgrade starten"] == UPGRADE_URL


def test_a_plus_account_may_use_substanziell_and_needs_the_id_card_for_hoch(app, user_agent, make_account):
    make_account(level=Level.SUBSTANZIELL)
    substanziell = list_service(app, "Wohngeld", min_loa="substanziell")
    hoch = list_service(app, "Personenstandsurkunde", min_loa="hoch")
    user_agent.login()
    page = user_agent.get("/online-dienste")
    assert "nicht nutzen" not in text_of(entry(page, substanziell))
    assert "Upgrade starten" not in links_of(entry(page, substanziell))
    shown = entry(page, hoch)
    assert "nicht nutzen" in text_of(shown) and "Online-Ausweisfunktion" in text_of(shown)
    assert links_of(shown)["Upgrade starten"] == UPGRADE_URL


def test_an_account_with_the_id_card_set_up_is_told_to_use_it(app, user_agent, make_account):
    account_id = make_account(level=Level.HOCH)
    with app.app_context():
        db.session.add(EidLink(account_id=account_id, pseudonym_digest="a" * 64))
        db.session.commit()
    hoch = list_service(app, "Personenstandsurkunde", min_loa="hoch")
    user_agent.login()  # with the password: substanziell
    shown = entry(user_agent.get("/online-dienste"), hoch)
    assert "nicht nutzen" not in text_of(shown)
    assert "Nach „Hier starten“ melden Sie sich dafür mit der Online-Ausweisfunktion an." in text_of(shown)
    assert "Upgrade starten" not in links_of(shown)


def test_a_citizen_learns_a_service_is_for_organisations(app, user_agent, make_account):
    make_account()
    client_id = list_service(app, "Unternehmensregister", audience="organisations")
    user_agent.login()
    shown = text_of(entry(user_agent.get("/online-dienste"), client_id))
    assert "nicht nutzen" in shown and "steht nur Organisationen offen" in shown


@pytest.fixture
def organisation(app):
    return make_organisation(app, users=("anna@muster.example",))


def test_an_organisation_user_without_grant_is_sent_to_the_administrator(app, user_agent, organisation):
    client_id = list_service(app, "Unternehmensregister", audience="organisations")
    subscribe(app, organisation.organisation_id, client_id)
    user_agent.login("anna@muster.example")
    shown = entry(user_agent.get("/online-dienste"), client_id)
    assert "Sie sind für diesen Online-Dienst nicht berechtigt." in text_of(shown)
    assert "Administrator" in text_of(shown) and "Upgrade starten" not in links_of(shown)

    grant(app, organisation.accounts["anna@muster.example"], client_id)
    assert "nicht nutzen" not in text_of(entry(user_agent.get("/online-dienste"), client_id))


def test_an_organisation_user_learns_a_service_is_for_citizens(app, user_agent, organisation):
    client_id = list_service(app, "Wohngeld", audience="citizens")
    user_agent.login("anna@muster.example")
    shown = text_of(entry(user_agent.get("/online-dienste"), client_id))
    assert "nicht nutzen" in shown and "für Bürgerinnen und Bürger bestimmt" in shown


def test_an_organisation_user_below_the_level_is_pointed_to_elster(app, user_agent, organisation):
    client_id = list_service(app, "Zollanmeldung", audience="organisations", min_loa="substanziell")
    subscribe(app, organisation.organisation_id, client_id)
    grant(app, organisation.accounts["anna@muster.example"], client_id)
    user_agent.login("anna@muster.example")
    shown = entry(user_agent.get("/online-dienste"), client_id)
    assert "ELSTER-Organisationszertifikat" in text_of(shown) and "Upgrade starten" not in links_of(shown)


def test_the_demo_service_of_make_run_is_in_the_catalogue(app, user_agent):
    from idp.devserver import DEMO_NAME, _demo_client

    client_id, _ = _demo_client(app, "http://127.0.0.1:5001")
    shown = entry(user_agent.get("/online-dienste?q=demo"), client_id)
    assert DEMO_NAME in text_of(shown) and "Zuständige Behörde" in text_of(shown)
    assert links_of(shown)[f"Hier starten: {DEMO_NAME}"] == "http://127.0.0.1:5001/"
    # A restart keeps the client and its entry.
    assert _demo_client(app, "http://127.0.0.1:5001")[0] == client_id
    assert entry(user_agent.get("/online-dienste?q=beispiel"), client_id) is not None


@pytest.mark.parametrize("scope, usable", [("postfach", False), ("vollstaendig", True)])
def test_a_deputy_sees_what_the_delegation_allows(app, scope, usable):
    """Acting for a colleague, the entries speak of the colleague's grants, and a
    delegation for mailboxes only opens no service ("Nur Postfächer")."""
    team = make_team(app)
    client_id = list_service(app, "Gewerbeanmeldung", audience="organisations")
    subscribe(app, team.organisation_id, client_id)
    grant(app, team.user_id, client_id)  # Uwe's grant, not Karla's
    with app.app_context():
        delegation = Delegation(organisation_id=team.organisation_id, principal_id=team.user_id,
                                deputy_id=team.colleague_id, starts_on=delegations.today(), scope=scope)
        db.session.add(delegation)
        db.session.commit()
        delegation_id = delegation.id
    karla = Browserless(app)
    assert karla.login("karla@muster.example", PASSWORD).status_code == 302
    assert "nicht berechtigt" in text_of(entry(karla.get("/online-dienste"), client_id))

    assert karla.submit("/vertretung", {}, action=f"/vertretung/{delegation_id}/wahrnehmen").status_code == 302
    shown = text_of(entry(karla.get("/online-dienste"), client_id))
    if usable:
        assert "nicht nutzen" not in shown
    else:
        assert "nicht nutzen" in shown and "nur den Zugriff auf Postfächer" in shown
