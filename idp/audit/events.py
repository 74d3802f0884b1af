"""The events the audit log knows, with the German label the operator console shows.

A name outside this list is a programming error (`record` refuses it), so that a
search by event finds everything of its kind.
"""
from __future__ import annotations

EVENTS: dict[str, str] = {
    # Logins (details: method, level, client; failures: reason)
    "login.succeeded": "Anmeldung erfolgreich",
    "login.failed": "Anmeldung fehlgeschlagen",
    "logout": "Abmeldung",
    # Accounts
    "account.registered": "Konto registriert",
    "account.activated": "Konto aktiviert",
    "account.changed": "Kontodaten geändert",
    "account.password_changed": "Passwort geändert",
    "account.password_reset": "Passwort zurückgesetzt",
    "account.email_changed": "E-Mail-Adresse geändert",
    "account.upgraded": "Servicekonto Plus eingerichtet",
    "account.eid_deactivated": "Online-Ausweisfunktion deaktiviert",
    "account.deleted": "Konto gelöscht",
    # Organisations
    "organisation.registered": "Organisation registriert",
    "organisation.activated": "Organisation aktiviert",
    "organisation.changed": "Organisationsdaten geändert",
    "organisation.member_added": "Benutzer hinzugefügt",
    "organisation.member_removed": "Benutzer entfernt",
    "organisation.roles_changed": "Rechte geändert",
    "organisation.delegation": "Vertretung geändert",
    "organisation.subscription": "Online-Dienst abonniert oder Abonnement beendet",
    "organisation.approval": "Freischaltung durch die Fachliche Leitstelle",
    "organisation.deleted": "Organisation gelöscht",
    "organisation.elster_linked": "ELSTER-Zertifikat hinterlegt",
    "organisation.elster_unlinked": "ELSTER-Verknüpfung gelöst",
    # Consent
    "consent.given": "Einwilligung erteilt",
    "consent.revoked": "Einwilligung widerrufen",
    # Federation with other states
    "federation.received": "Übernahme aus anderem Land",
    "federation.asserted": "Übermittlung an anderes Land",
    "federation.unlinked": "Verbindung zu anderem Land gelöst",
    # Operators (details: what, which)
    "operator.client": "Online-Dienst verwaltet",
    "operator.partner": "Föderationspartner verwaltet",
    "operator.keys": "Signaturschlüssel verwaltet",
    "operator.role": "Rolle vergeben oder entzogen",
}


def label(event: str) -> str:
    return EVENTS.get(event, event)
