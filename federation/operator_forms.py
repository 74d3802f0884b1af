"""The console's form for a new federation partner: what the operator typed, checked
with German messages by field, then `partners.add`."""
from __future__ import annotations

from dataclasses import dataclass

from idp.i18n import _
from idp.loa import Level
from idp.operations.client_forms import LEVELS
from idp.operations.forms import EnteredForm

from . import partners
from .models import FederationPartner

PROTOCOLS = {"saml": _("SAML 2.0 (Metadaten)"), "oidc": _("OpenID Connect (Discovery)")}
NAME_MISSING = _("Bitte geben Sie den Namen an, unter dem Bürgerinnen und Bürger den Partner sehen.")
SOURCE_REFUSED = _("Bitte geben Sie die Adresse der Metadaten (SAML) oder des Ausstellers (OpenID Connect) als "
                   "https-Adresse an.")
CLIENT_MISSING = _("Für einen Partner mit OpenID Connect sind Client-ID und Client-Secret nötig.")


@dataclass
class PartnerForm(EnteredForm):
    name: str = ""
    protocol: str = "saml"
    source: str = ""
    max_loa: str = "substanziell"
    client_id: str = ""
    client_secret: str = ""


def add(form: PartnerForm) -> FederationPartner | None:
    """The new partner, or None with `form.errors`. Only URLs: a path would read a file
    of the server."""
    if not form.name:
        form.refuse("name", NAME_MISSING)
    form.check_choice("protocol", PROTOCOLS)
    form.check_choice("max_loa", LEVELS)
    if not form.source.startswith(("https://", "http://")):
        form.refuse("source", SOURCE_REFUSED)
    if form.protocol == "oidc":
        for name in ("client_id", "client_secret"):
            if not getattr(form, name):
                form.refuse(name, CLIENT_MISSING)
    if form.errors:
        return None
    oidc = form.protocol == "oidc"
    try:
        return partners.add(form.name, form.protocol, form.source, Level.from_word(form.max_loa),
                            client_id=form.client_id if oidc else None,
                            client_secret=form.client_secret if oidc else None)
    except partners.PartnerError as exc:
        form.refuse("source", str(exc))
        return None
