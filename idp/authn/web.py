"""The browser side of login sessions: the cookie, and the guards for pages."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from flask import g, redirect, render_template, request, session, url_for

from ..loa import Level
from . import sessions
from .levels import remedy

SESSION_KEY = "login"


def load_login_session() -> None:
    """before_request: find the login session; an expired one is ended here, and the
    page guards send the browser to "Sitzung abgelaufen"."""
    g.login_session = None
    g.session_expired = False
    if request.endpoint in (None, "static"):
        return
    state, login = sessions.lookup(session.get(SESSION_KEY))
    if state is sessions.SessionState.EXPIRED:
        session.clear()
        g.session_expired = True
    g.login_session = login


def start_login_session(secret: str) -> None:
    # A new login never reuses anything from the cookie before it.
    session.clear()
    session[SESSION_KEY] = secret
    session.permanent = False


def forget_login_session() -> None:
    session.clear()
    # The page rendered by this request must not show the user as logged in.
    g.login_session = None


def safe_next(target: str | None) -> str | None:
    """Only local paths: the login page must not become an open redirector, and
    nothing that cannot stand in a Location header (CR/LF, other control characters)."""
    if not target or not target.isprintable():
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.login_session is None:
            if g.session_expired:
                return redirect(url_for("authn.expired"))
            return redirect(url_for("authn.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def hoch_required(account, current, again: str, purpose: str):
    """The answer of a staff area to a login below hoch: log in again with the ID card
    (or set it up first), then back to `again`. `purpose` completes "… nur nach einer
    Anmeldung mit dem Vertrauensniveau „hoch“"."""
    return render_template("authn/hoch_required.html", required=Level.HOCH, current=current, again=again,
                           purpose=purpose, remedy=remedy(account, Level.HOCH).value), 403
