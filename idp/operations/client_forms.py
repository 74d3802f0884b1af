"""The console's forms for online services: what an operator typed, turned into the
arguments of `idp.clients`, and its refusals into German messages by field."""
from __future__ import annotations

from dataclasses import dataclass

from .. import audit
from .. import clients
from ..extensions import db
from ..i18n import _
from ..loa import Level
from ..oidc.models import Client
from .forms import EnteredForm

LEVELS = {level.word: level.label for level in Level}
AUDIENCES = {"citizens": _("Bürgerinnen und Bürger"), "organisations": _("Organisationen (Servicekonto Business)"),
             "both": _("Bürgerinnen, Bürger und Organisationen")}
KINDS = {"vertraulich": _("Vertraulich (mit Client-Secret)"), "oeffentlich": _("Öffentlich (ohne Secret, nur PKCE)")}

NAME_MISSING = _("Bitte geben Sie den Namen des Online-Dienstes an.")
NAME_TOO_LONG = _("Der Name darf höchstens 120 Zeichen lang sein.")
REDIRECTS_REFUSED = _("Bitte geben Sie mindestens eine Weiterleitungsadresse an, eine je Zeile: eine vollständige "
                      "https-Adresse ohne Fragment (#); http nur für 127.0.0.1 oder localhost.")


@dataclass
class ClientForm(EnteredForm):
    name: str = ""
    redirect_uris: str = ""
    min_loa: str = "niedrig"
    audience: str = "citizens"
    kind: str = "vertraulich"

    @classmethod
    def of(cls, client: Client) -> "ClientForm":
        return cls(name=client.name, redirect_uris="\n".join(client.redirect_uris), min_loa=client.min_loa.word,
                   audience=client.audience, kind="oeffentlich" if client.public else "vertraulich")

    @property
    def uris(self) -> list[str]:
        return [line.strip() for line in self.redirect_uris.splitlines() if line.strip()]

    def _check_uris(self) -> None:
        """All of the form's refusals at once: the URIs before the service sees the rest."""
        try:
            if not clients.check_redirect_uris(self.uris):
                self.refuse("redirect_uris", REDIRECTS_REFUSED)
        except clients.RedirectUriError:
            self.refuse("redirect_uris", REDIRECTS_REFUSED)

    def _translate(self, exc: clients.ClientError) -> None:
        if isinstance(exc, clients.RedirectUriError):
            self.refuse("redirect_uris", REDIRECTS_REFUSED)
        else:
            # The selects offer only valid values: anything else is a tampered form.
            self.refuse("form", _("Die Angaben wurden nicht übernommen. Bitte prüfen Sie sie."))


def add(form: ClientForm) -> tuple[Client, str | None] | None:
    """The new client and its secret (shown once), or None with `form.errors`."""
    if not form.name:
        form.refuse("name", NAME_MISSING)
    elif len(form.name) > 120:
        form.refuse("name", NAME_TOO_LONG)
    for name, choices in (("min_loa", LEVELS), ("audience", AUDIENCES), ("kind", KINDS)):
        form.check_choice(name, choices)
    form._check_uris()
    if form.errors:
        return None
    try:
        return clients.add_client(form.name, form.uris, form.min_loa, form.kind == "oeffentlich",
                                  audience=form.audience)
    except clients.ClientError as exc:
        form._translate(exc)
        return None


def change(client_id: str, form: ClientForm) -> Client | None:
    """The client with its new redirect URIs and minimum level, or None with `form.errors`
    (or when there is no such client)."""
    form.check_choice("min_loa", LEVELS)
    if form.errors:
        return None
    # `idp.clients` audits what the command line can do too; this change only the console
    # makes. Recorded first, so that it is committed with the change, or rolled back.
    audit.record("operator.client", client_id=client_id, what="settings", fields=["redirect_uris", "min_loa"])
    try:
        client = clients.change_redirects_and_level(client_id, form.uris, form.min_loa)
    except clients.ClientError as exc:
        form._translate(exc)
        client = None
    if client is None:
        db.session.rollback()
    return client
