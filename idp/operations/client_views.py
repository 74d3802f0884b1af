"""Betrieb → Online-Dienste: list, add, edit redirect URIs and minimum level, rotate
the secret (shown once), disable and enable."""
from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for

from .. import clients
from ..extensions import db
from ..i18n import _
from ..oidc.models import SECRET_AUTH_METHODS, Client
from . import client_forms
from .client_forms import ClientForm
from .web import console_blueprint

bp = console_blueprint("betrieb_dienste", __name__, "/betrieb/online-dienste")

NOTICES = {"gespeichert": _("Die Änderungen wurden gespeichert."),
           "deaktiviert": _("Der Online-Dienst ist deaktiviert. Seine Tokens wurden widerrufen."),
           "aktiviert": _("Der Online-Dienst ist wieder aktiviert.")}


def _client(client_id: str) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return client


def _form_page(template: str, form: ClientForm, **context):
    return render_template(template, form=form, errors=form.errors, levels=client_forms.LEVELS,
                           audiences=client_forms.AUDIENCES, kinds=client_forms.KINDS,
                           **context), 400 if form.errors else 200


def _secret_page(client: Client, secret: str | None, created: bool):
    # The secret is on this page only: no cache may keep it.
    response = make_response(render_template("operations/client_secret.html", client=client, secret=secret,
                                             created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("")
def index():
    return render_template("operations/clients.html", clients=clients.list_clients())


@bp.route("/neu", methods=["GET", "POST"])
def add():
    form = ClientForm()
    if request.method == "POST":
        form = ClientForm.read(request.form)
        added = client_forms.add(form)
        if added is not None:
            return _secret_page(*added, created=True)
    return _form_page("operations/client_new.html", form)


@bp.route("/<client_id>", methods=["GET", "POST"])
def edit(client_id):
    client = _client(client_id)
    form = ClientForm.of(client)
    if request.method == "POST":
        form = ClientForm.read(request.form)
        if client_forms.change(client_id, form) is not None:
            return redirect(url_for(".edit", client_id=client_id, hinweis="gespeichert"))
        client = _client(client_id)
    return _form_page("operations/client.html", form, client=client,
                      has_secret=client.token_endpoint_auth_method in SECRET_AUTH_METHODS,
                      notice=NOTICES.get(request.args.get("hinweis", "")))


@bp.route("/<client_id>/secret", methods=["POST"])
def rotate_secret(client_id):
    client = _client(client_id)
    if client.token_endpoint_auth_method not in SECRET_AUTH_METHODS:
        abort(404)
    return _secret_page(client, clients.rotate_secret(client), created=False)


@bp.route("/<client_id>/deaktivieren", methods=["POST"])
def disable(client_id):
    return _set_disabled(client_id, True)


@bp.route("/<client_id>/aktivieren", methods=["POST"])
def enable(client_id):
    return _set_disabled(client_id, False)


def _set_disabled(client_id: str, disabled: bool):
    if not clients.set_disabled(client_id, disabled):
        abort(404)
    return redirect(url_for(".edit", client_id=client_id, hinweis="deaktiviert" if disabled else "aktiviert"))
