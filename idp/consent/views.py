from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..accounts.models import Account
from ..authn import eid
from ..authn.web import login_required
from ..extensions import db
from ..oidc import authorize
from ..oidc.claims import CLAIM_LABELS, describe, release
from ..oidc.models import Client
from ..oidc.views import respond

bp = Blueprint("consent", __name__, url_prefix="/anfrage")


def _load(record_id):
    record = authorize.load(record_id)
    if record is None:
        abort(404)
    return record, db.session.get(Client, record.client_id)


@bp.route("/<record_id>/zustimmung", methods=["GET", "POST"])
@login_required
def show(record_id):
    record, client = _load(record_id)
    if request.method == "POST":
        if request.form.get("decision") == "zustimmen":
            return respond(authorize.grant_consent(record, g.login_session))
        return respond(authorize.deny(record))
    account = db.session.get(Account, g.login_session.account_id)
    wanted = authorize.requested_consent(record)
    values = release(account, wanted, g.login_session.loa)
    items = [(CLAIM_LABELS[name], describe(name, values.get(name)) or None) for name in wanted if name in CLAIM_LABELS]
    return render_template("consent/consent.html", client=client, items=items, record=record,
                           level=g.login_session.loa)


@bp.route("/<record_id>/vertrauensniveau", methods=["GET", "POST"])
@login_required
def step_up(record_id):
    record, client = _load(record_id)
    if request.method == "POST":
        return respond(authorize.give_up_level(record))
    required = authorize.required_for(record, client)
    if g.login_session.loa >= required:
        return redirect(url_for("oidc.resume", record_id=record.id))
    account = db.session.get(Account, g.login_session.account_id)
    return render_template("consent/step_up.html", client=client, record=record, required=required,
                           current=g.login_session.loa, verified=account.identity_level > required.NIEDRIG,
                           eid_linked=eid.has_link(account))
