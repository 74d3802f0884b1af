""""Funktionspostfächer": shared mailboxes with entitled groups and persons. The rules
are in `mailboxes`; these views translate HTTP and keep every object within the
administrator's own organisation (another organisation's mailbox is a 404)."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..i18n import _
from . import groups, mailboxes
from .web import admin_required

bp = Blueprint("admin_mailboxes", __name__, url_prefix="/administration/funktionspostfaecher")

NOTICES = {
    "angelegt": _("Das Funktionspostfach wurde angelegt."),
    "gespeichert": _("Das Funktionspostfach wurde gespeichert."),
    "geloescht": _("Das Funktionspostfach wurde gelöscht."),
}


@bp.before_request
@admin_required
def _require_admin():
    pass


def _mailbox(mailbox_id: str):
    mailbox = mailboxes.mailbox_in(g.organisation, mailbox_id)
    if mailbox is None:
        abort(404)
    return mailbox


@bp.route("")
def index():
    rows = [(mailbox, mailboxes.linked_service(mailbox), len(mailboxes.entitled_accounts(mailbox)))
            for mailbox in mailboxes.mailboxes_of(g.organisation)]
    return render_template("organisations/mailboxes.html", rows=rows, notice=_notice())


def _notice():
    return NOTICES.get(request.args.get("hinweis", ""))


def _form_page(entered: mailboxes.MailboxForm, status: int = 200):
    return render_template("organisations/mailbox_form.html", form=entered,
                           services=groups.usable_services(g.organisation),
                           taken=mailboxes.linked_services(g.organisation),
                           linked=mailboxes.linked_service(entered.mailbox) if entered.mailbox else None,
                           group_summaries=groups.groups_of(g.organisation), users=groups.users_of(g.organisation),
                           person_name=groups.person_name, notice=_notice()), status


def _save(mailbox=None):
    entered = mailboxes.save(g.organisation, request.form, set(request.form.getlist("gruppe")),
                             set(request.form.getlist("person")), mailbox)
    if entered.errors:
        return _form_page(entered, 400)
    notice = "gespeichert" if mailbox else "angelegt"
    return redirect(url_for("admin_mailboxes.edit", mailbox_id=entered.mailbox.id, hinweis=notice))


@bp.route("/neu", methods=["GET", "POST"])
def create():
    if request.method == "POST":
        return _save()
    return _form_page(mailboxes.blank())


@bp.route("/<mailbox_id>", methods=["GET", "POST"])
def edit(mailbox_id):
    mailbox = _mailbox(mailbox_id)
    if request.method == "POST":
        return _save(mailbox)
    return _form_page(mailboxes.current(mailbox))


@bp.route("/<mailbox_id>/loeschen", methods=["GET", "POST"])
def delete(mailbox_id):
    mailbox = _mailbox(mailbox_id)
    if request.method == "GET":
        return render_template("organisations/mailbox_delete.html", mailbox=mailbox,
                               refusal=mailboxes.deletion_refusal(mailbox))
    refusal = mailboxes.delete(mailbox)
    if refusal is None:
        return redirect(url_for("admin_mailboxes.index", hinweis="geloescht"))
    # Refused because of unread messages: the state of the mailbox, not the request, is in the way.
    return render_template("organisations/mailbox_delete.html", mailbox=mailbox, refusal=refusal), 409
