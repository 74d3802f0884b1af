"""HTTP side of the Online-Ausweisfunktion: sending the browser to the eID-Client,
serving the TC token, and taking the browser back at the RefreshAddress."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for

from ..accounts import plus
from ..accounts.models import Account
from ..extensions import db
from ..i18n import _
from ..oidc import authorize
from . import core, eid, web
from .identity import AuthenticationFailed
from .logout import end_session
from .views import after_login

bp = Blueprint("eid", __name__)
BROWSER_KEY = "eid_browser"


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["SERVICEKONTO"].issuer + url_for(endpoint, **values)


def begin(purpose: eid.Purpose, **context):
    """Start a card reading and send the browser to the eID-Client."""
    try:
        started = eid.start(purpose, lambda tx_id: _absolute("eid.tc_token", tx_id=tx_id), source=request.remote_addr,
                            **context)
    except eid.TooManyRequests as exc:
        return render_template("authn/unavailable.html", title=_("Online-Ausweisfunktion"), message=str(exc)), 429
    except eid.EidUnavailable as exc:
        return render_template("authn/unavailable.html", title=_("Online-Ausweisfunktion"), message=str(exc)), 503
    session[BROWSER_KEY] = started.browser_secret
    return redirect(started.client_url)


@bp.route("/anmelden/eid")
def login():
    record_id = request.args.get("anfrage")
    record = authorize.load(record_id) if record_id else None
    if g.login_session is not None and record is not None:
        return begin(eid.Purpose.STEP_UP, account_id=g.login_session.account_id, record_id=record.id)
    return begin(eid.Purpose.LOGIN, record_id=record.id if record else None,
                 next_url=web.safe_next(request.args.get("next")))


@bp.route("/eid/tc-token/<tx_id>")
def tc_token(tx_id):
    token = eid.tc_token(tx_id, lambda secret: _absolute("eid.back", secret=secret), _absolute("eid.failed"))
    if token is None:
        return Response("unknown or used TC token", status=404, mimetype="text/plain")
    return Response(token, mimetype="text/xml")


@bp.route("/eid/fehler")
def failed():
    return render_template("authn/eid_failed.html", message=_("Die AusweisApp konnte keine Verbindung aufbauen. "
                           "Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.")), 400


@bp.route("/eid/rueckkehr/<secret>")
def back(secret):
    tx = eid.find_returning(secret, session.pop(BROWSER_KEY, None))
    if tx is None:
        return render_template("authn/eid_failed.html", message=_("Dieser Vorgang ist abgelaufen oder wurde in "
                               "einem anderen Browser begonnen. Bitte starten Sie ihn erneut.")), 400
    result = eid.finish(tx, request.args.get("ResultMajor"), request.args.get("ResultMinor"))
    return HANDLERS[tx.kind](result)


def _log_in(result: eid.CardResult, must_be: str | None = None):
    tx = result.transaction
    retry = url_for("authn.login", anfrage=tx.record_id) if tx.record_id else url_for("authn.login")
    if not result.ok:
        return render_template("authn/eid_failed.html", message=result.message, retry=retry), 400
    try:
        identity = eid.EidBackend().authenticate(attributes=result.attributes)
        if must_be is not None and identity.account_id != must_be:
            core.refused(identity.method, "other_account", account_id=must_be)
            raise AuthenticationFailed(
                _("Dieser Ausweis gehört nicht zu dem Servicekonto, mit dem Sie angemeldet sind."))
        web.log_in(identity, client_id=authorize.client_id_of(tx.record_id))
    except AuthenticationFailed as exc:
        return render_template("authn/eid_failed.html", message=str(exc), retry=retry), 400
    return after_login(tx.record_id, tx.next_url)


def _on_login(result):
    return _log_in(result)


def _on_step_up(result):
    return _log_in(result, must_be=result.transaction.account_id)


def _on_upgrade(result):
    tx = result.transaction
    account = db.session.get(Account, tx.account_id) if tx.account_id else None
    if account is None or g.login_session is None or g.login_session.account_id != account.id:
        return redirect(url_for("authn.expired"))
    if not result.ok:
        return render_template("authn/eid_failed.html", message=result.message,
                               retry=url_for("mein_bereich.start_upgrade")), 400
    if refusal := plus.take_card(account, result.attributes):
        back = "mein_bereich.id_card" if tx.kind is eid.Purpose.SYNC else "mein_bereich.start_upgrade"
        return render_template("authn/eid_failed.html", message=refusal, retry=url_for(back)), 400
    if tx.kind is eid.Purpose.SYNC:
        return redirect(url_for("mein_bereich.id_card", hinweis="synchronisiert"))
    # SPEC §3: after the upgrade the user logs in again, now as Servicekonto Plus, and
    # an online service's request that waited for it continues then.
    end_session(g.login_session)
    web.forget_login_session()
    return render_template("mein_bereich/upgrade_done.html", record_id=tx.record_id)


def _on_registration(result):
    from ..accounts import registration
    from ..accounts.views import DRAFT_KEY

    draft = registration.get_draft(result.transaction.draft_id)
    retry = url_for("accounts.register", mit="ausweis")
    if draft is None:
        return redirect(retry)
    session[DRAFT_KEY] = draft.id
    if not result.ok:
        return render_template("authn/eid_failed.html", message=result.message, retry=retry), 400
    if refusal := registration.attach_card(draft, result.attributes):
        return render_template("authn/eid_failed.html", message=refusal, retry=retry), 400
    return redirect(url_for("accounts.overview"))


HANDLERS = {
    eid.Purpose.REGISTRATION: _on_registration,
    eid.Purpose.LOGIN: _on_login,
    eid.Purpose.STEP_UP: _on_step_up,
    eid.Purpose.UPGRADE: _on_upgrade,
    eid.Purpose.SYNC: _on_upgrade,
}
