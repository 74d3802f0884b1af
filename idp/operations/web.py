"""The console's guard and navigation, shared by every console blueprint (also
federation's partner pages, which add their section through `add_section`)."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, request

from .. import audit
from ..accounts.models import Account
from ..authn import web
from ..extensions import db
from ..i18n import _
from . import operators

_SECTIONS = "servicekonto.console_sections"


@web.login_required
def require_operator():
    """before_request of every console blueprint: someone else learns nothing (404), an
    operator below hoch logs in with the ID card first; what follows is the operator's."""
    login = g.login_session
    if not operators.is_operator(login.account_id):
        abort(404)
    account = db.session.get(Account, login.account_id)
    if login.loa < operators.REQUIRED_LEVEL:
        return web.hoch_required(account, login.loa, request.full_path.rstrip("?"),
                                 _("Den Betrieb des Servicekontos verwalten Sie"))
    g.operator = account
    audit.act_as(f"operator:{account.id}")
    return None


def console_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix=url_prefix)
    bp.before_request(require_operator)
    bp.context_processor(lambda: {"console_sections": current_app.extensions.get(_SECTIONS, [])})
    return bp


def add_section(app: Flask, label: str, endpoint: str, after: str | None = None) -> None:
    """A page of the console's navigation: after the section `after`, else at the end."""
    sections = app.extensions.setdefault(_SECTIONS, [])
    position = next((i + 1 for i, (_, e) in enumerate(sections) if e == after), len(sections))
    sections.insert(position, (label, endpoint))


def init_app(app: Flask) -> None:
    @app.context_processor
    def console_link():
        def is_operator() -> bool:
            # Called by the page header only when someone is logged in.
            login = getattr(g, "login_session", None)
            return login is not None and operators.is_operator(login.account_id)

        return {"is_operator": is_operator}
