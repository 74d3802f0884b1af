"""Languages and design without a browser: which language a page is in (ui_locales of
the service's request, the switch, Accept-Language, German), mails in the account's
language, discovery, and KERN UX served by the IdP itself."""
from __future__ import annotations

import re

import pytest

from idp import create_app
from idp.accounts.models import Account
from idp.config import Settings
from idp.design import LONG_CACHE, DesignAssetsMissing
from idp.extensions import db
from idp.security import CSP
from tests.conftest import Browserless, csrf_from
from tests.support.flows import location, path_of


def lang_of(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', html).group(1)


def authorization_path(client, **extra) -> str:
    from urllib.parse import urlencode
    return "/authorize?" + urlencode({"response_type": "code", "client_id": client.client_id,
                                      "redirect_uri": client.redirect_uri, "scope": "openid profile",
                                      "state": "s", "nonce": "n", **extra})


def test_german_is_the_default(user_agent):
    page = user_agent.get("/")
    assert lang_of(page.text) == "de"
    assert "Ihr Servicekonto" in page.text


def test_accept_language_english(user_agent):
    page = user_agent.get("/anmelden", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert lang_of(page.text) == "en"
    assert "<h1>Log in</h1>" in page.text
    # A language we do not have falls back to German.
    assert lang_of(user_agent.get("/", headers={"Accept-Language": "fr-FR"}).text) == "de"


def test_ui_locales_of_the_authorization_request_outranks_the_browser(user_agent, make_client):
    client = make_client()
    answer = user_agent.get(authorization_path(client, ui_locales="en-US de"), headers={"Accept-Language": "de"})
    login = user_agent.get(location(answer), headers={"Accept-Language": "de"})
    assert lang_of(login.text) == "en"
    # Remembered for the next pages of this browser, not for the request only.
    assert lang_of(user_agent.get("/registrierung", headers={"Accept-Language": "de"}).text) == "en"


def test_ui_locales_we_do_not_have_change_nothing(user_agent, make_client):
    answer = user_agent.get(authorization_path(make_client(), ui_locales="fr"))
    assert lang_of(user_agent.get(location(answer)).text) == "de"


def test_the_switch_is_remembered_and_goes_back_to_the_page(user_agent):
    answer = user_agent.submit("/passwort-vergessen", {"sprache": "en", "zurueck": "/passwort-vergessen"},
                               action="/sprache")
    assert answer.status_code == 303 and path_of(location(answer)) == "/passwort-vergessen"
    assert lang_of(user_agent.get("/passwort-vergessen").text) == "en"
    # The cookie outlives the session: a new login keeps the language.
    user_agent.client.delete_cookie("servicekonto")
    assert lang_of(user_agent.get("/").text) == "en"


def test_the_switch_needs_csrf_and_goes_only_to_local_pages(user_agent):
    assert user_agent.post("/sprache", data={"sprache": "en"}).status_code == 400
    answer = user_agent.submit("/", {"sprache": "en", "zurueck": "https://evil.example/"}, action="/sprache")
    assert path_of(location(answer)) == "/"


def test_a_login_keeps_the_language(user_agent, make_account):
    make_account()
    user_agent.submit("/", {"sprache": "en", "zurueck": "/"}, action="/sprache")
    user_agent.client.delete_cookie("servicekonto_sprache")
    home = user_agent.get(location(user_agent.login()))
    assert lang_of(home.text) == "en" and "<h1>My account</h1>" in home.text


def test_the_switch_sets_the_language_of_the_account(app, user_agent, make_account):
    make_account()
    user_agent.login()
    user_agent.submit("/mein-bereich", {"sprache": "en", "zurueck": "/mein-bereich"}, action="/sprache")
    with app.app_context():
        assert db.session.query(Account).one().locale == "en"


def test_form_errors_from_the_domain_are_translated(user_agent):
    user_agent.submit("/", {"sprache": "en", "zurueck": "/"}, action="/sprache")
    page = user_agent.submit("/registrierung", {"given_name": "", "family_name": "M", "email": "kaputt@",
                                                "password": "kurz", "password_repeat": "kurz", "salutation": ""})
    assert page.status_code == 400
    assert "Please enter your first name." in page.text
    assert "The password must be at least 8 characters long." in page.text
    assert "Bitte" not in page.text


def test_discovery_names_both_languages(user_agent):
    assert user_agent.get("/.well-known/openid-configuration").json["ui_locales_supported"] == ["de", "en"]


def _register_in(user_agent, language, email):
    user_agent.submit("/", {"sprache": language, "zurueck": "/"}, action="/sprache")
    user_agent.submit("/registrierung", {"given_name": "Erika", "family_name": "Mustermann", "email": email,
                                         "password": "Sonnenblume-42", "password_repeat": "Sonnenblume-42",
                                         "salutation": ""})
    return user_agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})


def test_the_activation_mail_is_in_the_language_of_the_registration(app, mailbox):
    _register_in(Browserless(app), "en", "erika@example.org")
    mail = mailbox.wait_for("erika@example.org", "Activate your Servicekonto")
    assert mail.body.startswith("Dear Erika Mustermann,")
    assert "activate your Servicekonto" in mail.body and "Servicekonto-Team" not in mail.body
    _register_in(Browserless(app), "de", "max@example.org")
    assert "Bitte öffnen Sie den folgenden Link" in mailbox.wait_for("max@example.org", "Aktivieren Sie").body


def test_the_reset_mail_follows_the_account_not_the_page(app, user_agent, mailbox, make_account):
    make_account()
    with app.app_context():
        db.session.query(Account).one().locale = "en"
        db.session.commit()
    # Asked for on a German page: the holder reads English.
    user_agent.submit("/passwort-vergessen", {"email": "erika@example.org"})
    mail = mailbox.wait_for("erika@example.org", "Reset password")
    assert "a new password has been requested for your Servicekonto" in mail.body


# -- KERN UX -----------------------------------------------------------------------------------
def test_kern_is_served_by_the_idp_with_a_long_cache(user_agent):
    page = user_agent.get("/").text
    stylesheet = re.search(r'href="(/kern/2\.7\.2/kern\.min\.css)"', page).group(1)
    answer = user_agent.get(stylesheet)
    assert answer.status_code == 200 and answer.mimetype == "text/css"
    assert f"max-age={LONG_CACHE}" in answer.headers["Cache-Control"] and "immutable" in answer.headers["Cache-Control"]
    assert answer.headers["Content-Security-Policy"] == CSP
    answer.close()
    fonts = user_agent.get(re.search(r'href="(/kern/2\.7\.2/fonts/fira-sans\.css)"', page).group(1))
    font_file = re.search(r'url\("\./(fira-sans/[^"]+\.woff2)"\)', fonts.text).group(1)
    fonts.close()
    font = user_agent.get(f"/kern/2.7.2/fonts/{font_file}")
    assert font.status_code == 200
    font.close()


@pytest.mark.parametrize("path", ["/kern/1.0.0/kern.min.css", "/kern/2.7.2/../package.json",
                                  "/kern/2.7.2/gibt-es-nicht.css"])
def test_only_the_current_kern_files_are_served(user_agent, path):
    assert user_agent.get(path).status_code == 404


def _settings(tmp_path, **overrides) -> Settings:
    return Settings.from_env({}, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", keys_dir=tmp_path / "keys",
                             instance_dir=tmp_path, testing=True, **overrides)


def test_a_missing_kern_build_stops_the_start(tmp_path):
    with pytest.raises(DesignAssetsMissing, match="SERVICEKONTO_KERN_DIST"):
        create_app(_settings(tmp_path, kern_dist=tmp_path / "nowhere"))


def test_the_state_logo_is_shown_and_served(tmp_path):
    logo = tmp_path / "wappen.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    app = create_app(_settings(tmp_path, logo=logo, display_name="Servicekonto Land B"))
    client = app.test_client()
    page = client.get("/").text
    assert re.search(r'<img class="brand-logo" src="/logo\.svg" alt="">\s*<span>Servicekonto Land B</span>', page)
    served = client.get("/logo.svg")
    assert served.data == logo.read_bytes()
    served.close()


def test_without_a_logo_the_header_shows_the_name_only(user_agent):
    page = user_agent.get("/").text
    assert "brand-logo" not in page and user_agent.get("/logo.svg").status_code == 404


def test_the_logo_setting_wants_svg_or_png(tmp_path):
    with pytest.raises(ValueError, match="SERVICEKONTO_LOGO"):
        Settings.from_env({"SERVICEKONTO_LOGO": str(tmp_path / "wappen.gif")})


def test_language_switch_form_has_a_csrf_token(user_agent):
    page = user_agent.get("/").text
    switch = re.search(r'<form method="post" action="/sprache".*?</form>', page, re.S).group(0)
    assert csrf_from(switch) and 'lang="en"' in switch
