"""Trips to the wallet in flight (OpenID4VP 1.0 §5, §8.2): one per page that shows the
link and QR code, bound to the browser that started it, answered by the wallet at the
response_uri, taken by that browser once.

Same-device, the wallet sends the browser back with a single-use response_code
(§8.2, against session fixation: only the browser the wallet returns to gets the
result); cross-device, the wallet's browser is another, and the first browser's poll
takes the result. Which one it is, the request_uri the wallet fetched says.

A refused response keeps the trip: the citizen sees why and can try again, with a
new request (state, nonce and key are used once).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import delete

from federation import replay
from idp import audit
from idp.authn import request_limits
from idp.extensions import db
from idp.secrets import digest, new_secret, same
from idp.timeutil import utcnow

from . import dcql
from .app import WalletServices
from .errors import PresentationRefused
from .models import WalletTransaction, WalletUsedValue
from .openid4vp import REQUEST_LIFETIME, PendingRequest, new_request, request_object, verify_response, wallet_link

VALIDITY = REQUEST_LIFETIME
SAME_DEVICE, CROSS_DEVICE = "same_device", "cross_device"
WAITING, ANSWERED, REFUSED = "waiting", "answered", "refused"
# The wallet's own error (§8.5) when the citizen declined; any other error of the wallet.
DECLINED, WALLET_ERROR = "declined", "wallet_error"
# Refusals that do not show that the response belongs to this request (it may come
# from anyone who knows the response_uri): they leave the trip as it is.
_FOREIGN = ("bad_response", "wrong_state")


class Purpose(str, enum.Enum):
    LOGIN = "login"
    STEP_UP = "step_up"
    REGISTRATION = "registration"
    UPGRADE = "upgrade"
    # "Daten mit EUDI-Wallet synchronisieren": a Plus account takes the PID's data again.
    SYNC = "sync"

    @property
    def query(self) -> dict:
        # All but the logins ask what the registration asks (SPEC §3: the locked fields).
        needed = dcql.Purpose.LOGIN if self in (Purpose.LOGIN, Purpose.STEP_UP) else dcql.Purpose.REGISTRATION
        return dcql.pid_query(needed)


@dataclass(frozen=True)
class Links:
    same_device: str  # the link that opens the wallet on this device
    cross_device: str  # the content of the QR code


@dataclass(frozen=True)
class Received:
    """The answer to the wallet's POST: whether we took it, and where the wallet sends
    the browser (same-device only)."""

    accepted: bool
    redirect_uri: str | None = None


class DatabaseReplayGuard:
    """`openid4vp.ReplayGuard` on the database: the primary key decides, so two racing
    responses cannot both pass, whichever worker takes them."""

    def first_use(self, key: str) -> bool:
        return replay.remember(WalletUsedValue(digest=digest(key), expires_at=utcnow() + 2 * VALIDITY))


class TooManyRequests(Exception):
    """The request limit of the source or the account is reached; the message is safe to show."""


def begin(services: WalletServices, purpose: Purpose, *, source: str | None, account_id: str | None = None,
          record_id: str | None = None, draft_id: str | None = None,
          next_url: str | None = None) -> tuple[WalletTransaction, str]:
    """A new trip (committed) and the secret the browser keeps for it."""
    services.require()
    if not request_limits.take(request_limits.Action.WALLET_START, source, account_id):
        raise TooManyRequests(request_limits.EXCEEDED)
    browser_secret = new_secret()
    tx = WalletTransaction(id=new_secret(24), browser_digest=digest(browser_secret), purpose=purpose.value,
                           status=WAITING, account_id=account_id, record_id=record_id, draft_id=draft_id,
                           next_url=next_url, request={}, expires_at=utcnow() + VALIDITY)
    _ask_again(services, tx)
    db.session.add(tx)
    db.session.commit()
    return tx, browser_secret


def _ask_again(services: WalletServices, tx: WalletTransaction) -> None:
    pending = new_request(services.verifier, response_uri=services.url(f"/wallet/antwort/{tx.id}"),
                          dcql_query=Purpose(tx.purpose).query)
    tx.request = pending.to_dict()
    tx.status, tx.reason, tx.result, tx.flow, tx.response_code_digest = WAITING, None, None, None, None
    tx.expires_at = utcnow() + VALIDITY


def retry(services: WalletServices, tx: WalletTransaction) -> None:
    """Try again after a refusal (or when the wallet never answered): a fresh request."""
    _ask_again(services, tx)
    db.session.commit()


def links(services: WalletServices, tx: WalletTransaction) -> Links:
    client_id = tx.request["client_id"]

    def link(flow: str) -> str:
        return wallet_link(client_id, services.url(f"/wallet/anfrage/{tx.id}/{_FLOW_PATHS[flow]}"),
                           base=services.link_base)

    return Links(link(SAME_DEVICE), link(CROSS_DEVICE))


_FLOW_PATHS = {SAME_DEVICE: "dieses-geraet", CROSS_DEVICE: "anderes-geraet"}
FLOWS_BY_PATH = {path: flow for flow, path in _FLOW_PATHS.items()}


def _open(tx_id: str | None) -> WalletTransaction | None:
    tx = db.session.get(WalletTransaction, tx_id or "")
    return tx if tx is not None and tx.expires_at >= utcnow() else None


def find(tx_id: str | None, browser_secret: str | None) -> WalletTransaction | None:
    """The trip, only for the browser that started it and only while fresh."""
    tx = _open(tx_id)
    if tx is None or not browser_secret or not same(tx.browser_digest, digest(browser_secret)):
        return None
    return tx


def request_object_for(services: WalletServices, tx_id: str, flow: str) -> str | None:
    """The signed request object, for a wallet that fetches it while the trip waits;
    the path it came by says on which device the wallet is."""
    tx = _open(tx_id)
    if tx is None or tx.status != WAITING or not services.configured:
        return None

    tx.flow = flow
    db.session.commit()
    return request_object(services.verifier, PendingRequest.from_dict(tx.request), now=_aware(utcnow()))


def receive(services: WalletServices, tx_id: str, form: dict[str, str]) -> Received:
    """The wallet's POST to the response_uri: `response` (direct_post.jwt), or `error`
    with the request's `state` (§8.5)."""

    tx = _open(tx_id)
    if tx is None or not services.configured:
        return Received(False)
    pending = PendingRequest.from_dict(tx.request)
    if "error" in form and "response" not in form:
        if tx.status != WAITING or not same(form.get("state") or "", pending.state):
            return Received(False)
        _refuse(tx, DECLINED if form.get("error") == "access_denied" else WALLET_ERROR)
        return Received(True, _redirect(services, tx))
    try:
        verified = verify_response(pending, form.get("response"), replay=DatabaseReplayGuard(),
                                   trust=services.trust, now=_aware(utcnow()))
    except PresentationRefused as exc:
        if exc.reason in _FOREIGN:
            return Received(False)
        # Also after an accepted response: the same response seen twice means someone
        # else holds it, so the result is dropped rather than handed out.
        _refuse(tx, exc.reason)
        return Received(True, _redirect(services, tx))
    if tx.status != WAITING:
        return Received(False)
    tx.status, tx.result = ANSWERED, {"claims": verified.claims}
    return Received(True, _redirect(services, tx))


def _refuse(tx: WalletTransaction, reason: str) -> None:
    tx.status, tx.reason, tx.result = REFUSED, reason, None
    if tx.purpose in (Purpose.LOGIN.value, Purpose.STEP_UP.value):
        audit.record("login.failed", succeeded=False, account_id=tx.account_id, method="wallet", reason=reason)


def _redirect(services: WalletServices, tx: WalletTransaction) -> str | None:
    """Commits the trip's new state; same-device, the wallet sends the browser back
    with a single-use response_code."""
    code = None
    if tx.flow == SAME_DEVICE:
        code = new_secret()
        tx.response_code_digest = digest(code)
    db.session.commit()
    if code is None:
        return None
    return services.url(f"/wallet/{tx.id}/zurueck?response_code={code}")


def visible_status(tx: WalletTransaction) -> str:
    """What the first browser's poll may learn: a same-device result waits for the
    browser the wallet returns to (with the response_code)."""
    if tx.status == ANSWERED and tx.flow == SAME_DEVICE:
        return WAITING
    return tx.status


def may_finish(tx: WalletTransaction, response_code: str | None) -> bool:
    """Same-device, only with the response_code the wallet sent this browser back with;
    cross-device, the browser binding is the proof."""
    if tx.flow != SAME_DEVICE:
        return True
    return bool(response_code and tx.response_code_digest and same(tx.response_code_digest, digest(response_code)))


def claims_of(tx: WalletTransaction) -> dict | None:
    return (tx.result or {}).get("claims") if tx.status == ANSWERED else None


def finish(tx: WalletTransaction) -> None:
    """The result is taken: the trip and the PID data in it go (the caller commits)."""
    db.session.delete(tx)


def purge() -> dict[str, int]:
    now = utcnow()
    trips = db.session.execute(delete(WalletTransaction).where(WalletTransaction.expires_at < now)).rowcount
    used = db.session.execute(delete(WalletUsedValue).where(WalletUsedValue.expires_at < now)).rowcount
    db.session.commit()
    return {"wallet requests": trips or 0, "used wallet response values": used or 0}


def _aware(moment):
    return moment.replace(tzinfo=timezone.utc)
