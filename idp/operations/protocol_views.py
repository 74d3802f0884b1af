"""Betrieb → Protokoll: the audit log, searched by e-mail address, event, online
service and period, newest first, in pages."""
from __future__ import annotations

from flask import render_template, request

from .. import clients
from ..audit import label
from . import protocol
from .web import console_blueprint

bp = console_blueprint("betrieb_protokoll", __name__, "/betrieb/protokoll")


@bp.route("")
def index():
    found = protocol.Search.read(request.args)
    result = None
    if found.query is not None:
        result = protocol.page(found.query, request.args.get("seite", 1, type=int))
    return render_template("operations/protocol.html", entered=found.entered, errors=found.errors,
                           result=result, events=protocol.event_choices(), services=clients.list_clients(),
                           label=label, search_args={k: v for k, v in found.entered.items() if v}), \
        400 if found.errors else 200
