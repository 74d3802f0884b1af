"""Login, logout and the session-expired page."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from ..accounts.policy import check_email
from ..i18n import _
from ..oidc import authorize
from . import web
from .identity import AuthenticationFailed
from .logout import end_session
from .password import PasswordBackend

bp = Blueprint("authn", __name__)
password_backend = PasswordBackend()


def after_login(record_id: str | None, next_url: str | None = None):
    """Where a fresh login goes: back into the waiting authorization request, else to
    a local `next` page or Mein Bereich."""
    record = authorize.load(record_id) if record_id else None
    if record is not None:
        authorize.mark_logged_in(record)
        return redirect(url_for("oidc.resume", record_id=record.id))
    return redirect(web.safe_next(next_url) or url_for("mein_bereich.home"))


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    record_id = request.values.get("anfrage")
    next_url = request.values.get("next")
    record = authorize.load(record_id) if record_id else None
    errors: dict[str, list[str]] = {}
    email = ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        password = request.form.get("password") or ""
        if problems := check_email(email):
            errors["email"] = problems
        if not password:
            errors["password"] = [_("Bitte geben Sie Ihr Passwort ein.")]
        if not errors:
            try:
                identity = password_backend.authenticate(email=email, password=password,
                                                         address=request.remote_addr or "",
                                                         devices_seen=web.known_device_tokens())
                web.log_in(identity, client_id=record.client_id if record else None)
            except AuthenticationFailed as exc:
                errors["form"] = [str(exc)]
            else:
                return after_login(record_id, next_url)
    status = 200 if not errors else 400
    return render_template("authn/login.html", errors=errors, email=email, record=record,
                           service=authorize.client_of(record) if record else None,
                           record_id=record_id if record else None, next_url=web.safe_next(next_url)), status


@bp.route("/abmelden", methods=["GET", "POST"])
def logout():
    if request.method == "POST":
        if g.login_session is not None:
            end_session(g.login_session)
        web.forget_login_session()
        return render_template("authn/logged_out.html")
    if g.login_session is None:
        return redirect(url_for("authn.login"))
    return render_template("authn/logout_confirm.html", post_logout=None)


@bp.route("/sitzung-abgelaufen")
def expired():
    """"Sitzung abgelaufen"; its new login leads back to the page the user was on."""
    return render_template("authn/expired.html", next_url=web.safe_next(request.args.get("next")))
