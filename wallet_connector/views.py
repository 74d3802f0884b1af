"""HTTP side of the EU Digital Identity Wallet: the page with the link and the QR
code, the request_uri and response_uri the wallet talks to, the poll, and the
browser's return. The rules live in `transactions` and the back end; this module
only translates HTTP.

The response_uri takes the wallet's POST without a CSRF token: it comes from the
wallet, not from our pages, and proves itself by the encrypted, key-bound response.
"""
from __future__ import annotations

import io
from functools import wraps

import segno
from flask import Blueprint, Response, current_app, g, jsonify, redirect, render_template, request, session, url_for

from idp.accounts import registration, wallet_links
from idp.accounts.models import Account
from idp.accounts.profile import PLUS_MIN_AGE
from idp.accounts.views import DRAFT_KEY
from idp.authn import core, web
from idp.authn.identity import AuthenticationFailed
from idp.authn.logout import end_session
from idp.authn.views import after_login
from idp.extensions import csrf, db
from idp.i18n import _
from idp.oidc import authorize
from idp.timeutil import utcnow

from . import app as wallet_app
from . import transactions
from .backend import INCOMPLETE, WalletBackend, identifier
from .messages import message_for
from .pid import PidDataMissing, attributes, is_at_least
from .transactions import Purpose

bp = Blueprint("wallet", __name__)
BROWSER_KEY = "wallet_trip"
TITLE = _("Mit EUDI-Wallet")
NOT_THIS_BROWSER = _("Dieser Vorgang mit der EUDI-Wallet ist abgelaufen oder wurde in einem anderen Browser "
                     "begonnen. Bitte beginnen Sie erneut.")
NO_ANSWER_YET = _("Ihre Wallet hat noch nicht geantwortet. Bitte bestätigen Sie die Anfrage in Ihrer Wallet und "
                  "wählen Sie dann „Weiter“.")
REQUEST_TYPE = "application/oauth-authz-req+jwt"
_ACCOUNT_UNCHANGED = _("Für ein Servicekonto Plus müssen Sie mindestens %(years)s Jahre alt sein. Ihr Servicekonto "
                       "bleibt unverändert bestehen.", years=PLUS_MIN_AGE)
TOO_YOUNG = {
    Purpose.UPGRADE: _ACCOUNT_UNCHANGED,
    Purpose.SYNC: _ACCOUNT_UNCHANGED,
    Purpose.REGISTRATION: _("Für ein Servicekonto Plus müssen Sie mindestens %(years)s Jahre alt sein. Sie können "
                            "stattdessen ein Servicekonto ohne Wallet anlegen.", years=PLUS_MIN_AGE),
}
# Where "Andere Möglichkeit wählen" leads back to, by what the trip is for.
BACK = {Purpose.LOGIN: "authn.login", Purpose.STEP_UP: "authn.login", Purpose.UPGRADE: "mein_bereich.start_upgrade",
        Purpose.SYNC: "mein_bereich.start_upgrade", Purpose.REGISTRATION: "accounts.register"}


def _services():
    return wallet_app.services(current_app)


def begin(purpose: Purpose, **context):
    """Start a trip to the wallet and show its page."""
    try:
        tx, secret = transactions.begin(_services(), purpose, source=request.remote_addr, **context)
    except transactions.TooManyRequests as exc:
        return render_template("authn/unavailable.html", title=TITLE, message=str(exc)), 429
    except wallet_app.WalletUnavailable as exc:
        return render_template("authn/unavailable.html", title=TITLE, message=str(exc)), 503
    session[BROWSER_KEY] = [tx.id, secret]
    return redirect(url_for("wallet.trip", tx_id=tx.id))


def _own(tx_id: str):
    """The trip, if this browser started it."""
    held = session.get(BROWSER_KEY) or [None, None]
    return transactions.find(tx_id, held[1]) if held[0] == tx_id else None


def _lost():
    return render_template("wallet/failed.html", message=NOT_THIS_BROWSER, retry=url_for("authn.login")), 400


@bp.route("/anmelden/wallet")
def login():
    record = authorize.load(request.args.get("anfrage") or "")
    if g.login_session is not None and record is not None:
        return begin(Purpose.STEP_UP, account_id=g.login_session.account_id, record_id=record.id)
    return begin(Purpose.LOGIN, record_id=record.id if record else None,
                 next_url=web.safe_next(request.args.get("next")))


@bp.route("/wallet/<tx_id>")
def trip(tx_id):
    tx = _own(tx_id)
    if tx is None:
        return _lost()
    return _page(tx)


def _page(tx, notice: str | None = None, status: int = 200):
    refused = tx.status == transactions.REFUSED
    return render_template("wallet/trip.html", tx=tx, links=transactions.links(_services(), tx), notice=notice,
                           message=message_for(tx.reason) if refused else None,
                           back=url_for(BACK[Purpose(tx.purpose)])), 400 if refused else status


@bp.route("/wallet/<tx_id>/qr.svg")
def qr_code(tx_id):
    tx = _own(tx_id)
    if tx is None:
        return Response(status=404)
    out = io.BytesIO()
    # Error correction M and a quiet zone of 4 modules: what phone cameras read reliably.
    segno.make(transactions.links(_services(), tx).cross_device, error="m").save(
        out, kind="svg", scale=5, border=4, xmldecl=False)
    return Response(out.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.route("/wallet/<tx_id>/status")
def status(tx_id):
    tx = _own(tx_id)
    if tx is None:
        return jsonify(status="gone"), 404
    return jsonify(status=transactions.visible_status(tx))


@bp.route("/wallet/<tx_id>/weiter", methods=["POST"])
def proceed(tx_id):
    """The first browser goes on (the poll's click, or the citizen's "Weiter")."""
    tx = _own(tx_id)
    if tx is None:
        return _lost()
    if transactions.visible_status(tx) == transactions.WAITING:
        return _page(tx, notice=NO_ANSWER_YET)
    return _finish(tx, response_code=None)


@bp.route("/wallet/<tx_id>/zurueck")
def back(tx_id):
    """Same-device: the wallet sends the browser here with the response_code."""
    tx = _own(tx_id)
    if tx is None:
        return _lost()
    return _finish(tx, response_code=request.args.get("response_code"))


@bp.route("/wallet/<tx_id>/erneut", methods=["POST"])
def again(tx_id):
    tx = _own(tx_id)
    if tx is None:
        return _lost()
    transactions.retry(_services(), tx)
    return redirect(url_for("wallet.trip", tx_id=tx.id))


def _finish(tx, response_code: str | None):
    if tx.status == transactions.REFUSED:
        return _page(tx)
    if not transactions.may_finish(tx, response_code):
        return _page(tx, notice=NO_ANSWER_YET)
    return HANDLERS[Purpose(tx.purpose)](tx, transactions.claims_of(tx))


def _log_in(tx, claims: dict, must_be: str | None = None):
    record_id, next_url = tx.record_id, tx.next_url
    try:
        identity = WalletBackend().authenticate(claims=claims)
        if must_be is not None and identity.account_id != must_be:
            core.refused(identity.method, "other_account", account_id=must_be)
            raise AuthenticationFailed(
                _("Dieser Identitätsnachweis gehört nicht zu dem Servicekonto, mit dem Sie angemeldet sind."))
    except AuthenticationFailed as exc:
        return _refused_at_finish(tx, str(exc))
    _taken(tx)
    web.log_in(identity, client_id=authorize.client_id_of(record_id))
    return after_login(record_id, next_url)


def _taken(tx) -> None:
    """The result is used: the trip (with the PID data in it) and the browser's secret go."""
    transactions.finish(tx)
    db.session.commit()
    session.pop(BROWSER_KEY, None)


def _refused_at_finish(tx, message: str):
    """The wallet's answer was sound but leads nowhere here: the trip is kept for
    another try (with another PID, or after setting the wallet up)."""
    transactions.retry(_services(), tx)
    return render_template("wallet/failed.html", message=message,
                           retry=url_for("wallet.trip", tx_id=tx.id)), 400


def plus_refusal(purpose: Purpose, claims: dict) -> str | None:
    """Why this PID cannot make a Servicekonto Plus (SPEC §3: from 16), if it cannot."""
    try:
        identifier(claims)
    except PidDataMissing:
        return INCOMPLETE
    if not is_at_least(claims, PLUS_MIN_AGE, utcnow().date()):
        return TOO_YOUNG[purpose]
    return None


def _into_own_account(purpose: Purpose, take, done):
    """The handler of a trip for the account this browser is logged in to (upgrade,
    sync): `take` puts the PID into it (a refusal message, or None), `done` answers."""

    def handle(tx, claims: dict):
        account = db.session.get(Account, tx.account_id) if tx.account_id else None
        if account is None or g.login_session is None or g.login_session.account_id != account.id:
            return redirect(url_for("authn.expired"))
        refusal = plus_refusal(purpose, claims) or take(account, attributes(claims), identifier(claims))
        if refusal:
            return _refused_at_finish(tx, refusal)
        _taken(tx)
        return done(tx)

    return handle


def _upgraded(tx):
    # SPEC §3: after the upgrade the user logs in again, now as Servicekonto Plus, and
    # an online service's request that waited for it continues then.
    end_session(g.login_session)
    web.forget_login_session()
    return render_template("mein_bereich/upgrade_done.html", source=wallet_links.SOURCE, record_id=tx.record_id)


def _synchronised(tx):
    # Unlike the upgrade the session stays: the account was Plus before and is after.
    return redirect(url_for("mein_bereich.start_upgrade", hinweis="wallet-synchronisiert"))


def _register(tx, claims: dict):
    draft = registration.get_draft(tx.draft_id)
    if draft is None:
        return redirect(url_for("accounts.register", mit="wallet"))
    session[DRAFT_KEY] = draft.id
    refusal = plus_refusal(Purpose.REGISTRATION, claims) or registration.attach_pid(draft, attributes(claims),
                                                                                    identifier(claims))
    if refusal:
        return _refused_at_finish(tx, refusal)
    _taken(tx)
    return redirect(url_for("accounts.overview"))


HANDLERS = {
    Purpose.LOGIN: lambda tx, claims: _log_in(tx, claims),
    Purpose.STEP_UP: lambda tx, claims: _log_in(tx, claims, must_be=tx.account_id),
    Purpose.UPGRADE: _into_own_account(Purpose.UPGRADE, wallet_links.take_pid, _upgraded),
    Purpose.SYNC: _into_own_account(Purpose.SYNC, wallet_links.synchronise, _synchronised),
    Purpose.REGISTRATION: _register,
}


@bp.route("/registrierung/wallet")
def register():
    """"Mit EUDI-Wallet registrieren", after the form (e-mail address, password)."""
    draft = registration.get_draft(session.get(DRAFT_KEY))
    if draft is None or not draft.password_hash:
        return redirect(url_for("accounts.register", mit="wallet"))
    return begin(Purpose.REGISTRATION, draft_id=draft.id)


def _own_citizen_account(view):
    """The logged-in account, a citizen's (Servicekonto Plus is for citizens, like the
    ID card's); anyone else's never."""

    @wraps(view)
    def wrapper():
        if g.login_session is None:
            return redirect(url_for("authn.login", next=url_for("mein_bereich.start_upgrade")))
        account = db.session.get(Account, g.login_session.account_id)
        if account is None or account.kind != "citizen":
            return Response(status=404)
        return view(account)

    return wrapper


@bp.route("/mein-bereich/upgrade/wallet", methods=["POST"])
@_own_citizen_account
def upgrade(account):
    """"Upgrade starten" → "Mit EUDI-Wallet" (from a step-up: with the waiting request)."""
    return begin(Purpose.UPGRADE, account_id=account.id,
                 record_id=authorize.still_waiting(request.form.get("anfrage")))


@bp.route("/mein-bereich/upgrade/wallet/synchronisieren", methods=["POST"])
@_own_citizen_account
def synchronise(account):
    """"Daten mit EUDI-Wallet synchronisieren", from the upgrade page of a Plus account
    with the wallet linked; any other account is shown that page again."""
    if not wallet_links.may_synchronise(account):
        return redirect(url_for("mein_bereich.start_upgrade"))
    return begin(Purpose.SYNC, account_id=account.id)


# -- the wallet's side -------------------------------------------------------------------------
@bp.route("/wallet/anfrage/<tx_id>/<flow>")
def request_object(tx_id, flow):
    kind = transactions.FLOWS_BY_PATH.get(flow)
    token = transactions.request_object_for(_services(), tx_id, kind) if kind else None
    if token is None:
        return Response("unknown or finished request", status=404, mimetype="text/plain")
    return Response(token, mimetype=REQUEST_TYPE, headers={"Cache-Control": "no-store"})


@bp.route("/wallet/antwort/<tx_id>", methods=["POST"])
@csrf.exempt
def response(tx_id):
    received = transactions.receive(_services(), tx_id, request.form.to_dict())
    if not received.accepted:
        return jsonify(error="invalid_request", error_description="unknown, finished or foreign response"), 400
    # §8.2: a redirect_uri only where the wallet is on the browser's device.
    body = {"redirect_uri": received.redirect_uri} if received.redirect_uri else {}
    return jsonify(body), 200, {"Cache-Control": "no-store"}
