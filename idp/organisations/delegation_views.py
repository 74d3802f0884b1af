"""Delegation (Vertretung): naming a deputy and "Vertretung wahrnehmen"."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..i18n import _
from . import delegation as delegations
from .web import organisation_required

bp = Blueprint("vertretung", __name__, url_prefix="/vertretung")

NOTICES = {
    "eingerichtet": _("Die Vertretung wurde eingerichtet."),
    "beendet": _("Die Vertretung wurde beendet."),
    "zurueck": _("Sie handeln wieder für sich selbst."),
}


@bp.route("", methods=["GET", "POST"])
@organisation_required
def index():
    if request.method == "POST":
        draft = delegations.create(g.member, request.form)
        if not draft.errors:
            return redirect(url_for("vertretung.index", hinweis="eingerichtet"))
        return _page(data=draft.data, errors=draft.errors), 400
    return _page(notice=NOTICES.get(request.args.get("hinweis", "")))


@bp.post("/<int:delegation_id>/beenden")
@organisation_required
def end(delegation_id: int):
    delegation = delegations.find(g.member, delegation_id) or abort(404)
    if refusal := delegations.end(delegation, g.member):
        return _page(refusal=refusal), 400
    return redirect(url_for("vertretung.index", hinweis="beendet"))


@bp.post("/<int:delegation_id>/wahrnehmen")
@organisation_required
def take_up(delegation_id: int):
    delegation = delegations.find(g.member, delegation_id, as_deputy=True) or abort(404)
    if refusal := delegations.start_acting(g.login_session, delegation):
        return _page(refusal=refusal), 400
    return redirect(url_for("mein_bereich.home"))


@bp.post("/zurueck")
@organisation_required
def give_up():
    delegations.stop_acting(g.login_session)
    return redirect(url_for("vertretung.index", hinweis="zurueck"))


def _page(data: dict | None = None, errors: dict | None = None, notice: str | None = None,
          refusal: str | None = None) -> str:
    member, account = g.member, g.account
    return render_template(
        "organisations/delegation.html", member=member, account=account,
        data=data or {"starts_on": delegations.today().strftime("%d.%m.%Y")}, errors=errors or {},
        notice=notice, refusal=refusal, colleagues=delegations.colleagues(member.organisation_id),
        given=(delegations.in_organisation(member.organisation_id) if member.is_admin
               else delegations.given(account.id)),
        received=delegations.received(account.id),
        events=(delegations.events_in(member.organisation_id) if member.is_admin
                else delegations.events_for(account)),
        acting=delegations.acting_for(g.login_session), state=delegations.state, usable=delegations.usable,
        name_of=delegations.name_of, scopes=delegations.SCOPES,
        states=delegations.STATE_LABELS)


def acting_principal_name() -> str | None:
    """For the page header: whom the current session acts for, if anyone."""
    delegation = delegations.acting_for(getattr(g, "login_session", None))
    return delegations.name_of(delegation.principal_id) if delegation is not None else None
