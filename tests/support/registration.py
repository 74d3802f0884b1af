"""Registration as a citizen goes through it in the browser, for tests that need a
registered (or pending) account the way the pages make one."""
from urllib.parse import urlparse

from tests.conftest import Browserless
from tests.support.flows import location, path_of

FORM = dict(salutation="Frau", title="Dr.", given_name="Erika", family_name="Mustermann",
            email="erika@example.org", password="Wald-und-Wiese7", password_repeat="Wald-und-Wiese7")
ACTIVATION_SUBJECT = "Aktivieren Sie Ihr Servicekonto"
WRONG_CREDENTIALS = "E-Mail-Adresse oder Passwort ist nicht korrekt."


def register(user_agent, **changes):
    """Form → overview → consent → "Servicekonto anlegen"; returns the page shown then."""
    r = user_agent.submit("/registrierung", {**FORM, **changes})
    assert path_of(location(r)) == "/registrierung/uebersicht", r.text[:2000]
    r = user_agent.submit("/registrierung/uebersicht", {"consent": "ja", "action": "anlegen"})
    assert path_of(location(r)) == "/registrierung/gesendet"
    return user_agent.get(location(r))


def activation_path(mailbox, email="erika@example.org") -> str:
    mail = mailbox.wait_for(email, ACTIVATION_SUBJECT)
    links = [link for link in mail.links() if "/registrierung/aktivieren/" in link]
    assert len(links) == 1, mail.body
    return urlparse(links[0]).path


def activate(user_agent, path):
    page = user_agent.get(path)
    assert page.status_code == 200  # opening the link only asks; a mail scanner uses up nothing
    return user_agent.submit(path, {})


def can_log_in(app, email="erika@example.org", password=FORM["password"]) -> bool:
    r = Browserless(app).login(email=email, password=password)
    return r.status_code == 302 and path_of(location(r)) == "/mein-bereich"
