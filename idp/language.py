"""Which language a page is in, and the language switch of every page.

The most recent explicit choice wins: the `ui_locales` of the service's authorization
request (remembered in the session when the request is recorded) or the switch
(remembered in the session and, for the next visit, in a cookie of its own), then the
browser's Accept-Language, then German."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request, session, url_for
from flask_babel import Babel, get_locale

from .accounts import profile
from .config import PROJECT_ROOT
from .i18n import DEFAULT_LOCALE, LOCALES, supported

SESSION_KEY = "sprache"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = PROJECT_ROOT / "idp" / "translations"

bp = Blueprint("sprache", __name__)


class CatalogueMissing(RuntimeError):
    pass


def _cookie_name() -> str:
    # Named after the session cookie, as the two-state demo shares one host.
    return current_app.config["SESSION_COOKIE_NAME"] + "_sprache"


def select_locale() -> str:
    if not has_request_context():
        # A lazy message turned into text outside a request (CLI, worker, service
        # tests): the default language; mails choose theirs with force_locale.
        return DEFAULT_LOCALE
    chosen = session.get(SESSION_KEY) or request.cookies.get(_cookie_name())
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current() -> str:
    """The language of this request's page ("de" or "en")."""
    return str(get_locale() or DEFAULT_LOCALE)


def remember_ui_locales(ui_locales: str | None) -> None:
    """An authorization request asked for a language (OIDC `ui_locales`): its pages
    are in it, as far as we have it."""
    language = supported(ui_locales)
    if language is not None:
        session[SESSION_KEY] = language


def kept_over_session_clear() -> dict:
    """What survives a new login session (which clears the cookie session)."""
    return {SESSION_KEY: session[SESSION_KEY]} if SESSION_KEY in session else {}


@bp.route("/sprache", methods=["POST"])
def switch():
    # Here, not at the top: authn.web keeps the language over a new login session.
    from .authn.web import safe_next

    language = request.form.get("sprache")
    back = safe_next(request.form.get("zurueck")) or url_for("accounts.start")
    if language not in LOCALES:
        return redirect(back, code=303)
    session[SESSION_KEY] = language
    login = g.get("login_session")
    if login is not None:
        profile.set_language(login.account_id, language)
    response = redirect(back, code=303)
    response.set_cookie(_cookie_name(), language, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _check_catalogues() -> None:
    for language in LOCALES:
        if language == DEFAULT_LOCALE:
            continue
        compiled = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
        if not compiled.is_file():
            raise CatalogueMissing(
                f"No compiled message catalogue {compiled}: run `make deps` or "
                "`.venv/bin/pybabel compile -d idp/translations`.")


def init_app(app: Flask) -> None:
    _check_catalogues()
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LOCALE
    Babel(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.register_blueprint(bp)
    # A global, not a context variable: the macros of _forms.html (imported without
    # context) write dates in the page's language too.
    app.jinja_env.globals["page_locale"] = current
