"""Betrieb: the console's overview, and its wiring into the app."""
from __future__ import annotations

from flask import Flask, render_template

from . import operators, web
from ..i18n import _
from .web import console_blueprint

bp = console_blueprint("betrieb", __name__, "/betrieb")


@bp.route("")
def index():
    return render_template("operations/index.html", operators=operators.all_operators())


def init_app(app: Flask) -> None:
    """The console's pages in the order of its navigation; federation adds its
    partners after the online services (`web.add_section`)."""
    from . import client_views, key_views, protocol_views, role_views

    web.init_app(app)
    for area, label, endpoint in ((None, _("Übersicht"), "betrieb.index"),
                                  (client_views, _("Online-Dienste"), "betrieb_dienste.index"),
                                  (key_views, _("Signaturschlüssel"), "betrieb_schluessel.index"),
                                  (role_views, _("Rollen"), "betrieb_rollen.index"),
                                  (protocol_views, _("Protokoll"), "betrieb_protokoll.index")):
        app.register_blueprint(area.bp if area else bp)
        web.add_section(app, label, endpoint)
