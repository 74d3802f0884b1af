"""The Postfach pages: the folders of each Postfach the person may read, the read view
of a Vorgang, "Antworten", "Gesamten Vorgang löschen", "Wiederherstellen", "Vorgang
herunterladen" and the attachments. The rules are in `folders` and `case`; a Vorgang
outside the reader's Postfächer is a 404 like one that does not exist."""
from __future__ import annotations

import io

from flask import Blueprint, Response, abort, g, redirect, render_template, request, send_file, url_for

from .. import language
from ..authn.web import login_required
from ..i18n import _
from . import case as cases
from . import folders, pdf
from .dates import shown

bp = Blueprint("postfach", __name__, url_prefix="/postfach")

NOTICES = {
    "geloescht": _("Der Vorgang wurde in den Papierkorb verschoben."),
    "wiederhergestellt": _("Der Vorgang wurde wiederhergestellt und liegt wieder im Eingang. "
                           "Er wird nicht mehr automatisch gelöscht."),
    "gesendet": _("Ihre Antwort wurde gesendet. Der Online-Dienst erhält sie mit seiner nächsten Abfrage."),
}


@bp.before_request
@login_required
def _require_viewer():
    g.viewer = folders.viewer(g.login_session) or abort(404)


@bp.app_template_global()
def postfach_unread() -> int:
    """For the envelope in the page header (called only when someone is logged in)."""
    return folders.unread_for(g.login_session.account_id)


def _notice():
    return NOTICES.get(request.args.get("hinweis", ""))


# -- folders ---------------------------------------------------------------------------------------
@bp.route("/")
def index():
    return _folder(folders.EINGANG)


@bp.route("/gesendet")
def sent():
    return _folder(folders.GESENDET)


@bp.route("/papierkorb")
def trash():
    return _folder(folders.PAPIERKORB)


def _folder(folder: str):
    box = g.viewer.box(request.args.get("postfach")) or abort(404)
    chosen = folders.filters(request.args)
    listing = folders.listing(box, folder, chosen)
    page = render_template("postfach/folder.html", folder=folder, box=box, chosen=chosen, listing=listing,
                           services=folders.services_in(box), sorts=folders.SORTS, **_navigation(box), notice=_notice())
    return page, 400 if chosen.errors else 200


def _navigation(box: folders.Box) -> dict:
    return {"viewer": g.viewer, "current_box": box, "unread_in": folders.unread_in, "folders": folders.FOLDERS,
            "box_query": _box_param(box), "shown": shown}


# -- one Vorgang -----------------------------------------------------------------------------------
def _case(case_id: str):
    return folders.find_case(g.viewer, case_id) or abort(404)


def _read_view(case, box, fresh: set[str], refusal: str | None = None, status: int = 200):
    return render_template("postfach/case.html", case=case, box=box, fresh=fresh, refusal=refusal,
                           answerable=cases.answerable(case), notice=_notice(),
                           reply_refusal=cases.reply_refusal, **_navigation(box)), status


@bp.route("/vorgang/<case_id>")
def read(case_id: str):
    case, box = _case(case_id)
    return _read_view(case, box, cases.open_case(g.viewer, box, case))


@bp.route("/vorgang/<case_id>/antworten/<message_id>", methods=["GET", "POST"])
def reply(case_id: str, message_id: str):
    case, box = _case(case_id)
    message = cases.message_in(case, message_id) or abort(404)
    if request.method == "POST":
        entered = cases.send_reply(g.viewer, box, case, message, request.form)
        if entered.sent is not None:
            return redirect(url_for("postfach.read", case_id=case.id, hinweis="gesendet", _anchor=f"n-{entered.sent.id}"))
        status = 400
    else:
        entered, status = cases.blank_reply(message), 200
        if refusal := cases.reply_refusal(case, message):
            entered.errors["form"] = [refusal]
    return render_template("postfach/reply.html", case=case, box=box, message=message, entered=entered,
                           text_max=cases.TEXT_MAX, **_navigation(box)), status


@bp.post("/vorgang/<case_id>/loeschen")
def delete(case_id: str):
    case, box = _case(case_id)
    if refusal := cases.trash(g.viewer, box, case):
        # What is in the way is the Vorgang's state; the page shows the unread message now.
        return _read_view(case, box, cases.open_case(g.viewer, box, case), refusal, 409)
    return redirect(url_for("postfach.index", hinweis="geloescht", **_box_param(box)))


@bp.post("/vorgang/<case_id>/wiederherstellen")
def restore(case_id: str):
    case, box = _case(case_id)
    if refusal := cases.restore(g.viewer, box, case):
        return _read_view(case, box, set(), refusal, 409)
    return redirect(url_for("postfach.read", case_id=case.id, hinweis="wiederhergestellt"))


@bp.route("/vorgang/<case_id>/pdf")
def download(case_id: str):
    case, box = _case(case_id)
    cases.downloaded(g.viewer, box, case)
    reader_language = language.current()
    return _file(pdf.render(case, reader_language), "application/pdf", pdf.filename(case, reader_language))


@bp.route("/anhang/<int:attachment_id>")
def attachment(attachment_id: int):
    found = folders.find_attachment(g.viewer, attachment_id) or abort(404)
    return _file(found.content, found.media_type, found.filename)


def _box_param(box: folders.Box) -> dict:
    return {"postfach": box.key} if box is not g.viewer.boxes[0] else {}


def _file(content: bytes, media_type: str, name: str) -> Response:
    # Always a download, never shown inline: a service's file must not run in our origin.
    response = send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True, download_name=name,
                         etag=False, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
