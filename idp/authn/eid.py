"""The Online-Ausweisfunktion as a login back end (BSI TR-03130 eService side).

One eID transaction per card reading: `start` opens a session at the eID-Server
(useID) and remembers it; the browser goes to the eID-Client with the URL of our TC
token; the eID-Client comes back to the RefreshAddress, whose query proves nothing,
so `finish` asks the eID-Server (getResult) for what the card said. What the card
said becomes an `Identity` (login, step-up) or attributes at level hoch (registration,
upgrade, synchronisation) — the account core decides what to do with it.

The browser that returns must be the one that started: a transaction is bound to a
secret kept in that browser's session, so nobody can make a victim complete a card
reading that someone else started (or the other way round).
"""
from __future__ import annotations

import enum
import hmac
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from eid_connector import (EidAttributes, EidError, EidServerClient, Flow, TcToken, build_tc_token, client_url,
                           login_request, parse_client_redirect, registration_request)
from eid_connector.results import age_refused_message, technical_message

from .. import audit
from ..accounts.models import Account, EidLink
from ..accounts.profile import PLUS_MIN_AGE
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..observability import metrics
from ..secrets import digest, new_secret, same
from ..timeutil import utcnow
from . import request_limits
from .core import refused
from .identity import Attribute, AuthenticationFailed, Identity, LoginBackend

log = logging.getLogger(__name__)

MIN_AGE = PLUS_MIN_AGE
VALIDITY = timedelta(minutes=15)
SOURCE = "eid"
EXTENSION_KEY = "servicekonto.eid_client"
# Account attributes the card provides, all at level hoch.
CARD_ATTRIBUTES = ("given_name", "family_name", "birth_name", "academic_title", "birth_date", "place_of_birth",
                   "street", "house_number", "postal_code", "city", "country", "nationality")


class Purpose(str, enum.Enum):
    LOGIN = "login"
    STEP_UP = "step_up"
    REGISTRATION = "registration"
    UPGRADE = "upgrade"
    SYNC = "sync"

    @property
    def flow(self) -> Flow:
        return _FLOWS[self]


_FLOWS = {Purpose.LOGIN: Flow.LOGIN, Purpose.STEP_UP: Flow.LOGIN, Purpose.REGISTRATION: Flow.REGISTRATION,
          Purpose.UPGRADE: Flow.UPGRADE, Purpose.SYNC: Flow.SYNC}


class EidUnavailable(Exception):
    """The eID-Server cannot be used now; the message is safe to show."""


class TooManyRequests(Exception):
    """The request limit of the source or the account is reached; the message is safe to show."""


class EidTransaction(db.Model):
    __tablename__ = "eid_transaction"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # in the TC token URL
    refresh_digest: Mapped[str] = mapped_column(String(64), unique=True)
    browser_digest: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[str] = mapped_column(String(128))
    # The TC token is handed out once; its PSK is forgotten after that.
    psk_id: Mapped[str | None] = mapped_column(String(256))
    psk_key: Mapped[str | None] = mapped_column(String(256))
    ecard_server_address: Mapped[str | None] = mapped_column(Text)
    request_counter: Mapped[int] = mapped_column(Integer, default=0)
    account_id: Mapped[str | None] = mapped_column(String(36))
    draft_id: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(64))
    next_url: Mapped[str | None] = mapped_column(Text)  # a local page to go on to after a login
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def kind(self) -> Purpose:
        return Purpose(self.purpose)


@dataclass
class Started:
    browser_secret: str
    client_url: str


@dataclass
class CardResult:
    """What a finished card reading gave: attributes, or a message for the citizen."""

    transaction: EidTransaction
    attributes: EidAttributes | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.attributes is not None


# -- the connector --------------------------------------------------------------------------
def client() -> EidServerClient:
    """The eID-Server client of this app, built from the settings on first use."""
    existing = current_app.extensions.get(EXTENSION_KEY)
    if existing is not None:
        return existing
    settings = current_app.config["SERVICEKONTO"]
    if not settings.eid_configured:
        raise EidUnavailable(_("Die Online-Ausweisfunktion ist in diesem Servicekonto derzeit nicht eingerichtet."))
    import requests

    http = requests.Session()
    if settings.eid_tls_client_cert:
        http.cert = (str(settings.eid_tls_client_cert), str(settings.eid_tls_client_key))
    http.verify = str(settings.eid_tls_ca) if settings.eid_tls_ca else True
    if settings.eid_tls_ca:
        # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a session's CA
        # bundle, which would quietly undo the pinning; so the environment is not asked,
        # apart from the proxy the operator may need to reach the eID-Server.
        http.proxies = requests.utils.get_environ_proxies(settings.eid_server_url)
        http.trust_env = False
    made = EidServerClient(settings.eid_server_url, settings.eid_client_key.read_bytes(),
                           settings.eid_client_cert.read_bytes(), settings.eid_server_cert.read_bytes(),
                           http=http, key_reference=settings.eid_signature_key_reference)
    current_app.extensions[EXTENSION_KEY] = made
    return made


def install_simulators(app, simulators, retry_wait: float = 0.5) -> None:
    """Development and tests: talk to the eID-Server simulator with its development
    keys (eid_connector.simulator.run.Simulators)."""
    keys = simulators.keys
    app.extensions[EXTENSION_KEY] = EidServerClient(
        simulators.eid_server_url, keys.eservice_key_pem, keys.eservice_cert_pem, keys.server_cert_pem,
        retry_wait=retry_wait)


# -- transactions ---------------------------------------------------------------------------
def start(purpose: Purpose, tc_token_url_for: Callable[[str], str], *, account_id: str | None = None,
          draft_id: str | None = None, record_id: str | None = None, next_url: str | None = None,
          source: str | None = None) -> Started:
    if not request_limits.take(request_limits.Action.EID_START, source, account_id):
        raise TooManyRequests(request_limits.EXCEEDED)
    request = login_request() if purpose in (Purpose.LOGIN, Purpose.STEP_UP) else registration_request(MIN_AGE)
    try:
        with metrics.round_trip(metrics.EID_ROUND_TRIPS, "useID"):
            opened = client().use_id(request)
    except EidError as exc:
        log.warning("useID failed: %s", type(exc).__name__)
        raise EidUnavailable(exc.message(purpose.flow)) from exc
    browser_secret = new_secret()
    # The RefreshAddress secret is made when the TC token is built (tc_token); until
    # then the digest of a throwaway secret holds the place.
    tx = EidTransaction(id=new_secret(), refresh_digest=digest(new_secret()), browser_digest=digest(browser_secret),
                        purpose=purpose.value, session_id=opened.session_id, psk_id=opened.psk.id,
                        psk_key=opened.psk.key.hex(), ecard_server_address=opened.ecard_server_address,
                        account_id=account_id, draft_id=draft_id, record_id=record_id, next_url=next_url)
    db.session.add(tx)
    db.session.commit()
    settings = current_app.config["SERVICEKONTO"]
    return Started(browser_secret, client_url(tc_token_url_for(tx.id), settings.eid_client_url))


def tc_token(tx_id: str, refresh_url_for: Callable[[str], str], error_url: str) -> bytes | None:
    """The TC token of a transaction, once. A second fetch gets nothing: the PSK in it
    is the key to the card session."""
    tx = db.session.get(EidTransaction, tx_id or "")
    if tx is None or tx.psk_key is None or tx.created_at < utcnow() - VALIDITY:
        return None
    refresh_secret = new_secret()
    tx.refresh_digest = digest(refresh_secret)
    token = TcToken(server_address=tx.ecard_server_address or "", session_identifier=tx.psk_id,
                    refresh_address=refresh_url_for(refresh_secret), psk=bytes.fromhex(tx.psk_key),
                    communication_error_address=error_url)
    tx.psk_key = None
    db.session.commit()
    return build_tc_token(token)


def find_returning(refresh_secret: str, browser_secret: str | None) -> EidTransaction | None:
    tx = db.session.scalar(select(EidTransaction).where(EidTransaction.refresh_digest == digest(refresh_secret or "")))
    if tx is None or tx.finished_at is not None or tx.created_at < utcnow() - VALIDITY:
        return None
    if not browser_secret or not same(tx.browser_digest, digest(browser_secret)):
        return None
    return tx


def finish(tx: EidTransaction, result_major: str | None, result_minor: str | None) -> CardResult:
    """Ask the eID-Server what the card said; the transaction is used up either way."""
    tx.finished_at = utcnow()
    flow = tx.kind.flow
    redirect = parse_client_redirect(result_major, result_minor)
    if not redirect.ok:
        _login_failed(tx, "client")
        db.session.commit()
        return CardResult(tx, message=redirect.message(flow))
    try:
        with metrics.round_trip(metrics.EID_ROUND_TRIPS, "getResult"):
            outcome = client().get_result(tx.session_id, tx.request_counter)
    except EidError as exc:
        tx.request_counter = getattr(exc, "request_counter", None) or tx.request_counter
        _login_failed(tx, "technical")
        db.session.commit()
        log.warning("getResult failed: %s", type(exc).__name__)
        return CardResult(tx, message=technical_message(flow))
    tx.request_counter = outcome.request_counter
    if not outcome.ok:
        _login_failed(tx, "card")
    db.session.commit()
    if not outcome.ok:
        return CardResult(tx, message=outcome.message(flow))
    attributes = outcome.attributes
    if tx.kind in (Purpose.REGISTRATION, Purpose.UPGRADE, Purpose.SYNC) and attributes.age_verified is False:
        return CardResult(tx, message=age_refused_message(MIN_AGE, flow))
    return CardResult(tx, attributes)


def _login_failed(tx: EidTransaction, reason: str) -> None:
    """A card reading for a login that gave nothing: the eID back end refused it."""
    if tx.kind in (Purpose.LOGIN, Purpose.STEP_UP):
        audit.record("login.failed", succeeded=False, account_id=tx.account_id, method=EidBackend.name,
                     reason=reason)


def purge() -> int:
    return db.session.execute(delete(EidTransaction).where(EidTransaction.created_at < utcnow() - VALIDITY)).rowcount


# -- pseudonyms -----------------------------------------------------------------------------
def pseudonym_digest(restricted_id: str) -> str:
    key = current_app.extensions["servicekonto.keys"].secret("eid-pseudonym")
    return hmac.new(key, restricted_id.lower().encode(), hashlib.sha256).hexdigest()


def _holder(digest_value: str) -> str | None:
    return db.session.scalar(select(EidLink.account_id).where(EidLink.pseudonym_digest == digest_value))


def account_for_pseudonym(restricted_id: str) -> str | None:
    return _holder(pseudonym_digest(restricted_id))


ALREADY_LINKED = _("Dieser Ausweis ist bereits mit einem anderen Servicekonto verbunden. Ein Ausweis kann nur für "
                  "ein Servicekonto genutzt werden.")


def link_digest(account: Account, digest_value: str) -> str | None:
    """Store a pseudonym digest for the account. Returns a refusal message when the
    card already belongs to another account (one pseudonym, one account)."""
    holder = _holder(digest_value)
    if holder is not None and holder != account.id:
        return ALREADY_LINKED
    existing = db.session.get(EidLink, account.id)
    if existing is None:
        db.session.add(EidLink(account_id=account.id, pseudonym_digest=digest_value))
    else:
        existing.pseudonym_digest, existing.created_at = digest_value, utcnow()
    return None


def link(account: Account, restricted_id: str) -> str | None:
    return link_digest(account, pseudonym_digest(restricted_id))


def unlink(account: Account) -> bool:
    return bool(db.session.execute(delete(EidLink).where(EidLink.account_id == account.id)).rowcount)


def has_link(account: Account) -> bool:
    return db.session.get(EidLink, account.id) is not None


def apply_card(account: Account, attributes: EidAttributes) -> None:
    """The card's data become the account's locked fields at level hoch; what the card
    does not say (e.g. no academic title) is removed rather than left unverified."""
    values = attributes.as_dict()
    for name in CARD_ATTRIBUTES:
        account.set_attribute(name, values.get(name), Level.HOCH, SOURCE)
    if attributes.academic_title:
        account.set_attribute("title", attributes.academic_title, Level.HOCH, SOURCE)


class EidBackend(LoginBackend):
    """Login with the card: the pseudonym names the account."""

    name = "eid"

    def authenticate(self, *, attributes: EidAttributes) -> Identity:
        if not attributes.restricted_id:
            refused(self.name, "no_pseudonym")
            raise AuthenticationFailed(
                _("Ohne Übermittlung des Pseudonyms ist keine Anmeldung mit der Online-Ausweisfunktion möglich. "
                "Bitte erlauben Sie in der AusweisApp die Übermittlung des Pseudonyms."))
        account_id = account_for_pseudonym(attributes.restricted_id)
        if account_id is None:
            refused(self.name, "unknown_card")
            raise AuthenticationFailed(
                _("Zu diesem Ausweis ist kein Servicekonto mit Online-Ausweisfunktion eingerichtet. Melden Sie sich "
                "mit E-Mail-Adresse und Passwort an und richten Sie die Online-Ausweisfunktion unter „Mein Profil“ "
                "→ „Upgrade starten“ ein, oder registrieren Sie sich mit dem Ausweis."))
        card = tuple(Attribute(name, value, Level.HOCH, SOURCE) for name, value in attributes.as_dict().items()
                     if name in CARD_ATTRIBUTES)
        return Identity(method=self.name, amr=("hwk", "pin"), ceiling=Level.HOCH, account_id=account_id,
                        subject=attributes.restricted_id, attributes=card)
