"""The page "Online-Dienste" and the suggestions while typing (SPEC §5). Public: a
visitor sees every listed service; a logged-in user also learns which ones they
cannot use yet, why, and what to do."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template, request, url_for

from ..authn.levels import Remedy
from ..consent.views import NOT_ENTITLED_TEXTS
from ..i18n import _
from . import search
from .eligibility import eligibilities

bp = Blueprint("catalogue", __name__, url_prefix="/online-dienste")

QUERY_LIMIT = 100

AUDIENCES = {
      "citizens": _("Bürgerinnen und Bürger"),
      "organisations": _("Organisationen"),
      "both": _("Bürgerinnen und Bürger sowie Organisationen"),
}

# What a logged-in user below the service's level has to do (see authn.levels.Remedy).
REMEDY_TEXTS = {
    Remedy.ELSTER: _("Mit dem Konto einer Organisation erreichen Sie dieses Vertrauensniveau nur mit einem "
                     "ELSTER-Organisationszertifikat. Fragen Sie die Administration Ihrer Organisation."),
    Remedy.EID_UPGRADE: _("Dafür ist die Anmeldung mit der Online-Ausweisfunktion Ihres Personalausweises oder "
                          "elektronischen Aufenthaltstitels nötig. Richten Sie sie mit einem Upgrade Ihres "
                          "Servicekontos ein."),
    Remedy.PLUS_UPGRADE: _("Dafür muss Ihre Identität bestätigt sein (Servicekonto Plus). Bestätigen Sie sie mit "
                           "einem Upgrade Ihres Servicekontos."),
    Remedy.EID_LOGIN: _("Nach „Hier starten“ melden Sie sich dafür mit der Online-Ausweisfunktion an."),
    Remedy.ELSTER_LOGIN: _("Nach „Hier starten“ melden Sie sich dafür „Mit ElsterID“ an."),
    Remedy.LOG_IN_AGAIN: _("Nach „Hier starten“ melden Sie sich dafür erneut mit E-Mail-Adresse und Passwort an."),
}
UPGRADE_REMEDIES = (Remedy.EID_UPGRADE, Remedy.PLUS_UPGRADE)


def _query() -> str:
    return (request.args.get("q") or "").strip()[:QUERY_LIMIT]


@bp.route("")
def index():
    query = _query()
    results = search.search(query)
    return render_template("catalogue/index.html", query=query, results=results,
                           eligible=eligibilities(g.login_session, results), audiences=AUDIENCES,
                           refusal_texts=NOT_ENTITLED_TEXTS, remedy_texts=REMEDY_TEXTS,
                           upgrade_remedies=UPGRADE_REMEDIES)


@bp.route("/vorschlaege")
def suggestions():
    """JSON for catalogue.js: names to pick from while typing, each with the address of
    the search page that shows it."""
    return jsonify(suggestions=[
        {"name": client.name, "authority": client.authority, "url": url_for(".index", q=client.name)}
        for client in search.suggest(_query())])
