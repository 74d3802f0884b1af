"""Going through the ELSTER IdP simulator without a browser: our page that posts the
AuthnRequest, the simulator's certificate choice, and the answer posted back to our
ACS, the way a browser's forms would carry them."""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import requests

FORM = re.compile(r'<form method="post" action="([^"]+)" id="saml-post">(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def saml_form(page_html: str) -> tuple[str, dict[str, str]]:
    """(action, fields) of an HTTP-POST binding page."""
    match = FORM.search(page_html)
    assert match, "no SAML POST form on the page"
    return html.unescape(match.group(1)), {n: html.unescape(v) for n, v in HIDDEN.findall(match.group(2))}


def simulator_answer(start_html: str, certificate: str | None) -> tuple[str, dict[str, str]]:
    """Carry our AuthnRequest to the simulator, pick `certificate` (None: cancel) and
    return (ACS URL, fields) of its answer."""
    action, fields = saml_form(start_html)
    chooser = requests.post(action, data=fields, timeout=10)
    assert chooser.status_code == 200, chooser.text
    handle = re.search(r'name="handle" value="([^"]+)"', chooser.text).group(1)
    choice = {"handle": handle, "action": "abbrechen" if certificate is None else "anmelden",
              "certificate": certificate or ""}
    answer = requests.post(action + "/antwort", data=choice, timeout=10)
    assert answer.status_code == 200, answer.text
    return saml_form(answer.text)


def through_elster(user_agent, start, certificate: str | None):
    """`start` is our response that sends the browser to ELSTER; returns the page the
    browser ends on (after the ACS's redirect)."""
    assert start.status_code == 200, start.text
    acs_url, fields = simulator_answer(start.text, certificate)
    # Our own "see other" steps are followed; a login's final redirect (302) is left to the test.
    return follow(user_agent, user_agent.post(urlsplit(acs_url).path, data=fields))


def start_login(user_agent, **query):
    return user_agent.get("/anmelden/elster", query_string=query)


def start_link(user_agent):
    return user_agent.submit("/mein-bereich/elster", {}, action="/mein-bereich/elster/hinterlegen")


def start_registration(user_agent):
    return user_agent.submit("/organisation/registrierung", {}, action="/organisation/registrierung/elster")


def link_certificate(user_agent, certificate: str):
    """"Zertifikat hinterlegen" for the logged-in user, confirmed on our check page;
    returns the page the browser ends on (a refusal comes before the check page)."""
    page = through_elster(user_agent, start_link(user_agent), certificate)
    if page.status_code != 200 or "ELSTER-Zertifikat prüfen" not in page.text:
        return page
    return follow(user_agent, user_agent.submit(page.request.path, {"decision": "bestaetigen"}))


def follow(user_agent, page):
    while page.status_code == 303:
        target = urlsplit(page.headers["Location"])
        page = user_agent.get(target.path + (f"?{target.query}" if target.query else ""))
    return page
