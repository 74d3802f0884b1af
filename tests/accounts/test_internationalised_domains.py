"""A citizen whose address has an internationalised domain (SPEC §3 forbids only < and
> for citizens): registered as written, mailed at the ASCII form of the domain over
real SMTP, and one account whichever spelling is typed later."""
from __future__ import annotations

from tests.support.flows import location, path_of
from tests.support.registration import FORM, activate, activation_path, can_log_in, register


def test_register_activate_and_log_in_with_an_umlaut_domain(app, user_agent, mailbox):
    register(user_agent, email="juergen@müller.de")
    # What the SMTP server was given: the domain's A-label (RFC 5890), no SMTPUTF8 needed.
    path = activation_path(mailbox, "juergen@xn--mller-kva.de")
    assert path_of(location(activate(user_agent, path))) == "/mein-bereich"
    assert can_log_in(app, "Juergen@MÜLLER.de", FORM["password"])
    assert can_log_in(app, "juergen@xn--mller-kva.de", FORM["password"])


def test_the_other_spelling_is_no_second_account(app, user_agent, mailbox):
    register(user_agent, email="juergen@müller.de")
    activate(user_agent, activation_path(mailbox, "juergen@xn--mller-kva.de"))
    other = type(user_agent)(app)
    page = register(other, email="juergen@xn--mller-kva.de")  # the same answer as for a free address
    assert page.status_code == 200
    # The owner hears of it, at the one address the account has.
    notice = mailbox.wait_for("juergen@xn--mller-kva.de", "Registrierung mit Ihrer E-Mail-Adresse")
    assert "/registrierung/aktivieren/" not in notice.body
    assert can_log_in(app, "juergen@müller.de", FORM["password"])
