""""Gruppenverwaltung": groups with members and online services with roles. The
rules are in `groups`; these views translate HTTP and keep every object within the
administrator's own organisation (another organisation's group is a 404)."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ..i18n import _
from . import groups
from .web import admin_required

bp = Blueprint("admin_groups", __name__, url_prefix="/administration/gruppen")

NOTICES = {
    "angelegt": _("Die Gruppe wurde angelegt. Ordnen Sie ihr jetzt Benutzer und Online-Dienste zu."),
    "gespeichert": _("Die Gruppeninformation wurde gespeichert."),
    "benutzer": _("Die Zuordnung der Benutzer wurde gespeichert."),
    "dienste": _("Die Zuordnung der Online-Dienste wurde gespeichert."),
    "geloescht": _("Die Gruppe wurde gelöscht."),
}


@bp.before_request
@admin_required
def _require_admin():
    pass


def _group(group_id: int):
    group = groups.group_in(g.organisation, group_id)
    if group is None:
        abort(404)
    return group


def _notice():
    return NOTICES.get(request.args.get("hinweis", ""))


@bp.route("")
def index():
    return render_template("organisations/groups.html", summaries=groups.groups_of(g.organisation), notice=_notice())


@bp.route("/neu", methods=["GET", "POST"])
def create():
    if request.method == "POST":
        result = groups.save(g.organisation, request.form)
        if not result.errors:
            return redirect(url_for("admin_groups.users", group_id=result.group.id, hinweis="angelegt"))
        return render_template("organisations/group_new.html", data=result.data, errors=result.errors), 400
    return render_template("organisations/group_new.html", data={}, errors={})


@bp.route("/<int:group_id>", methods=["GET", "POST"])
def info(group_id):
    group = _group(group_id)
    if request.method == "POST":
        result = groups.save(g.organisation, request.form, group)
        if not result.errors:
            return redirect(url_for("admin_groups.info", group_id=group.id, hinweis="gespeichert"))
        return render_template("organisations/group_info.html", group=group, data=result.data,
                               errors=result.errors), 400
    return render_template("organisations/group_info.html", group=group, data=groups.current(group), errors={},
                           notice=_notice())


@bp.route("/<int:group_id>/benutzer", methods=["GET", "POST"])
def users(group_id):
    group = _group(group_id)
    if request.method == "POST":
        groups.set_members(group, g.organisation, set(request.form.getlist("benutzer")))
        return redirect(url_for("admin_groups.users", group_id=group.id, hinweis="benutzer"))
    return render_template("organisations/group_users.html", group=group, users=groups.users_of(g.organisation),
                           members=groups.member_ids(group), admins=groups.admin_ids(g.organisation),
                           admins_use_services=g.organisation.admins_use_services, person_name=groups.person_name,
                           notice=_notice())


@bp.route("/<int:group_id>/online-dienste", methods=["GET", "POST"])
def services(group_id):
    group = _group(group_id)
    if request.method == "POST":
        offered = groups.usable_services(g.organisation)
        roles = {c.client_id: set(request.form.getlist(groups.role_field(c))) for c in offered}
        result = groups.set_services(group, g.organisation, set(request.form.getlist("dienst")), roles)
        if not result.errors:
            return redirect(url_for("admin_groups.services", group_id=group.id, hinweis="dienste"))
        return render_template("organisations/group_services.html", group=group, choices=result.choices,
                               errors=result.errors, role_field=groups.role_field), 400
    return render_template("organisations/group_services.html", group=group,
                           choices=groups.service_choices(group, g.organisation), errors={},
                           role_field=groups.role_field, notice=_notice())


@bp.route("/<int:group_id>/loeschen", methods=["GET", "POST"])
def delete(group_id):
    group = _group(group_id)
    if request.method == "POST":
        groups.delete(group)
        return redirect(url_for("admin_groups.index", hinweis="geloescht"))
    return render_template("organisations/group_delete.html", group=group, mailboxes=groups.mailboxes_using(group))
