"""Mail over TLS with a login (issue #14): SMTP_URL as smtp+starttls:// or smtps://
with percent-encoded credentials; the server's certificate is verified (system store
or SMTP_CA_FILE) and the password never reaches a log."""
from __future__ import annotations

import logging
import ssl
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from idp.config import Settings
from idp.extensions import db
from idp.mail import deliver_due, queue_mail
from idp.mail.outbox import OutboxMail
from tests.conftest import Mailbox, free_port
from tests.support.tls import self_signed_for_localhost

USER = "servicekonto@land.example"
PASSWORD = "Pa:ss/w@rd%25-geheim"  # characters that must be percent-encoded in a URL
SENDER = "Servicekonto <noreply@land.example>"
# The smtps test server counts its TLS from the start as TLS only when told so, and warns.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, as an internal mail relay might have."""
    return self_signed_for_localhost(tmp_path_factory.mktemp("smtp-tls"), "mail.test")


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


class Logins:
    """aiosmtpd authenticator: accepts USER/PASSWORD and records every attempt."""

    def __init__(self):
        self.attempts: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.attempts.append((login, password))
        return AuthResult(success=(login, password) == (USER, PASSWORD))


@pytest.fixture(params=["smtp+starttls", "smtps"])
def tls_server(request, certificate):
    mailbox, logins, port = Mailbox(), Logins(), free_port()
    common = dict(hostname="127.0.0.1", port=port, authenticator=logins, auth_required=True)
    if request.param == "smtps":
        # aiosmtpd offers AUTH only after its own STARTTLS unless told that TLS from the
        # start counts too.
        controller = Controller(mailbox, ssl_context=server_context(certificate), auth_require_tls=False, **common)
    else:
        controller = Controller(mailbox, tls_context=server_context(certificate), require_starttls=True, **common)
    controller.start()
    yield request.param, port, mailbox, logins
    controller.stop()


def url(scheme: str, port: int, password: str = PASSWORD) -> str:
    return f"{scheme}://{quote(USER, safe='')}:{quote(password, safe='')}@127.0.0.1:{port}"


def our_log(caplog) -> str:
    """What the IdP logged (not the test SMTP server, which logs its whole dialogue)."""
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if r.name != "mail.log")


def send_one(app, smtp_url: str, ca_file=None) -> OutboxMail:
    with app.app_context():
        queue_mail("erika@example.org", "Ihr Servicekonto", "Hallo Erika")
        db.session.commit()
        deliver_due(smtp_url, SENDER, ca_file=ca_file)
        [mail] = db.session.scalars(select(OutboxMail)).all()
        db.session.expunge(mail)
        return mail


def test_mail_goes_out_over_tls_with_a_login_and_the_password_stays_out_of_the_log(
        app, tls_server, certificate, caplog, mail_worker_stopped):
    scheme, port, mailbox, logins = tls_server
    caplog.set_level(logging.DEBUG)
    mail = send_one(app, url(scheme, port), ca_file=certificate[0])
    assert mail.sent_at is not None
    [received] = mailbox.mails
    assert received.to == ["erika@example.org"] and received.subject == "Ihr Servicekonto"
    assert logins.attempts == [(USER, PASSWORD)]  # decoded from the URL
    assert PASSWORD not in our_log(caplog) and quote(PASSWORD, safe="") not in our_log(caplog)


def test_a_refused_login_is_logged_without_the_password(app, tls_server, certificate, caplog, mail_worker_stopped):
    scheme, port, mailbox, logins = tls_server
    caplog.set_level(logging.DEBUG)
    wrong = "Falsch:geheim@1"
    mail = send_one(app, url(scheme, port, wrong), ca_file=certificate[0])
    assert mail.sent_at is None and mail.last_error and mailbox.mails == []
    assert logins.attempts[0] == (USER, wrong)
    assert f"not delivered (attempt 1): {mail.last_error}" in our_log(caplog)
    assert wrong not in our_log(caplog) and quote(wrong, safe="") not in our_log(caplog)


def test_a_certificate_the_trust_store_does_not_know_is_refused(app, tls_server, mail_worker_stopped):
    scheme, port, mailbox, logins = tls_server
    # Without SMTP_CA_FILE only the system store vouches: the self-signed relay is refused
    # before the password is sent.
    mail = send_one(app, url(scheme, port))
    assert mail.sent_at is None and mail.last_error == "SSLCertVerificationError"
    assert mailbox.mails == [] and logins.attempts == []


def test_tls_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env({"SMTP_URL": "smtp+starttls://u:p@mail.example:587",
                                  "SMTP_CA_FILE": str(tmp_path / "ca.pem")})
    assert settings.smtp_ca_file == tmp_path / "ca.pem"
    assert "u:p@" not in repr(settings)  # tracebacks and debug output show settings
    assert Settings.from_env({"SMTP_URL": "smtps://u:p@mail.example"}).smtp_url == "smtps://u:p@mail.example"


@pytest.mark.parametrize("smtp_url, problem", [
    ("smtp://u:p@mail.example:25", "TLS"),
    ("smtp+ssl://mail.example", "smtp\\+starttls://"),
])
def test_smtp_urls_that_would_fail_or_leak_are_refused(smtp_url, problem):
    with pytest.raises(ValueError, match=problem):
        Settings.from_env({"SMTP_URL": smtp_url})


def test_starttls_is_never_skipped(app, smtp_server, mailbox, mail_worker_stopped):
    # The test suite's plain SMTP server offers no STARTTLS: nothing goes out in clear.
    mail = send_one(app, url("smtp+starttls", smtp_server.port))
    assert mail.sent_at is None and mail.last_error == "SMTPNotSupportedError" and mailbox.mails == []
