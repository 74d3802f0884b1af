"""The events the audit log knows, with the label the operator console shows (German,
translated when shown; the CLI prints the German).

A name outside this list is a programming error (`record` refuses it), so that a
search by event finds everything of its kind.
"""
from __future__ import annotations

from ..i18n import _

EVENTS: dict[str, str] = {
    # Logins (details: method, level, client; failures: reason)
    "login.succeeded": _("Anmeldung erfolgreich"),
    "login.failed": _("Anmeldung fehlgeschlagen"),
    "logout": _("Abmeldung"),
    # Accounts
    "account.registered": _("Konto registriert"),
    "account.activated": _("Konto aktiviert"),
    "account.changed": _("Kontodaten geändert"),
    "account.password_changed": _("Passwort geändert"),
    "account.password_reset": _("Passwort zurückgesetzt"),
    "account.email_changed": _("E-Mail-Adresse geändert"),
    "account.upgraded": _("Servicekonto Plus eingerichtet"),
    "account.eid_deactivated": _("Online-Ausweisfunktion deaktiviert"),
    "account.wallet_deactivated": _("Anmeldung mit EUDI-Wallet deaktiviert"),
    "account.wallet_synchronised": _("Daten mit EUDI-Wallet synchronisiert"),
    "account.deleted": _("Konto gelöscht"),
    # Organisations
    "organisation.registered": _("Organisation registriert"),
    "organisation.activated": _("Organisation aktiviert"),
    "organisation.changed": _("Organisationsdaten geändert"),
    "organisation.member_added": _("Benutzer hinzugefügt"),
    "organisation.member_removed": _("Benutzer entfernt"),
    "organisation.roles_changed": _("Rechte geändert"),
    "organisation.delegation": _("Vertretung geändert"),
    "organisation.subscription": _("Online-Dienst abonniert oder Abonnement beendet"),
    "organisation.approval": _("Freischaltung durch die Fachliche Leitstelle"),
    "organisation.deleted": _("Organisation gelöscht"),
    "organisation.elster_linked": _("ELSTER-Zertifikat hinterlegt"),
    "organisation.elster_unlinked": _("ELSTER-Verknüpfung gelöst"),
    # Consent
    "consent.given": _("Einwilligung erteilt"),
    "consent.revoked": _("Einwilligung widerrufen"),
    # Federation with other states
    "federation.received": _("Übernahme aus anderem Land"),
    "federation.asserted": _("Übermittlung an anderes Land"),
    "federation.unlinked": _("Verbindung zu anderem Land gelöst"),
    # Operators (details: what, which)
    "operator.client": _("Online-Dienst verwaltet"),
    "operator.partner": _("Föderationspartner verwaltet"),
    "operator.keys": _("Signaturschlüssel verwaltet"),
    "operator.role": _("Rolle vergeben oder entzogen"),
}


def label(event: str) -> str:
    return str(EVENTS.get(event, event))
