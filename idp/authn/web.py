"""The browser side of login sessions: the cookie, and the guards for pages."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from flask import after_this_request, current_app, g, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from .. import language
from ..loa import Level
from . import core, devices, sessions
from .identity import Identity
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
        _clear_session()
        g.session_expired = True
    g.login_session = login


def log_in(identity: Identity, client_id: str | None = None) -> None:
    """Log this browser in (`core.log_in`, which raises AuthenticationFailed when the
    identity has no account): the session cookie, and from now on the browser is a
    known device for the account."""
    login = core.log_in(identity, client_id=client_id, devices_seen=known_device_tokens())
    # A new login never reuses anything from the cookie before it but its language.
    _clear_session()
    session[SESSION_KEY] = login.secret
    session.permanent = False
    _keep_devices(login.devices)


# -- known devices (`devices`): a cookie of its own, as it outlives every session ----------
def _device_cookie() -> tuple[str, URLSafeSerializer]:
    # Named after the session cookie: two instances on one host (the two-state demo)
    # must not overwrite each other's.
    name = current_app.config["SESSION_COOKIE_NAME"] + "_geraete"
    return name, URLSafeSerializer(current_app.secret_key, salt="known-devices")


def known_device_tokens() -> list[str]:
    """The known-device tokens this browser carries; none if the cookie was not ours."""
    name, serializer = _device_cookie()
    try:
        tokens = serializer.loads(request.cookies.get(name) or "")
    except BadSignature:
        return []
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        return []
    return tokens[:devices.MAX_PER_BROWSER]


def _keep_devices(tokens: list[str]) -> None:
    name, serializer = _device_cookie()
    value = serializer.dumps(tokens)

    @after_this_request
    def set_cookie(response):
        response.set_cookie(name, value, max_age=int(devices.VALIDITY.total_seconds()), httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
        return response


def _clear_session() -> None:
    kept = language.kept_over_session_clear()
    session.clear()
    session.update(kept)


def forget_login_session() -> None:
    _clear_session()
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


def page_to_return_to() -> str | None:
    """Where a login should lead back to: the page asked for, or for a form sent by
    POST the page at its address, if there is one (whatever was sent is dropped: an
    expired session keeps nothing half-submitted, SPEC §2)."""
    if request.method not in ("GET", "HEAD") and "GET" not in getattr(request.url_rule, "methods", ()):
        return None
    return safe_next(request.full_path.rstrip("?"))


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.login_session is None:
            endpoint = "authn.expired" if g.session_expired else "authn.login"
            return redirect(url_for(endpoint, next=page_to_return_to()))
        return view(*args, **kwargs)

    return wrapper


def hoch_required(account, current, again: str, purpose: str):
    """The answer of a staff area to a login below hoch: log in again with the ID card
    (or set it up first), then back to `again`. `purpose` completes "… nur nach einer
    Anmeldung mit dem Vertrauensniveau „hoch“"."""
    return render_template("authn/hoch_required.html", required=Level.HOCH, current=current, again=again,
                           purpose=purpose, remedy=remedy(account, Level.HOCH).value), 403
