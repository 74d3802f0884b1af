"""What the citizen reads when the wallet's answer is not taken: one German message
per refusal reason (`PresentationRefused.reason`, and the wallet's own error). Each
says what happened and what to do; the technical detail stays in the log."""
from __future__ import annotations

from idp.i18n import _

from .errors import REASONS
from .transactions import DECLINED, WALLET_ERROR

_AGAIN = _("Bitte versuchen Sie es erneut.")
_NOT_THIS_REQUEST = _("Die Antwort Ihrer Wallet gehört nicht zu dieser Anmeldung. Bitte versuchen Sie es erneut.")
_UNREADABLE = _("Die Antwort Ihrer Wallet konnte nicht gelesen werden. Bitte versuchen Sie es erneut oder "
                "aktualisieren Sie Ihre Wallet-App.")

MESSAGES = {
    DECLINED: _("Sie haben die Übermittlung Ihrer Daten in der Wallet abgelehnt. Ohne sie ist keine Anmeldung "
                "mit der EUDI-Wallet möglich."),
    WALLET_ERROR: _("Ihre Wallet konnte die Anfrage nicht beantworten. Bitte versuchen Sie es erneut."),
    "bad_response": _UNREADABLE,
    "wrong_state": _NOT_THIS_REQUEST,
    "malformed": _UNREADABLE,
    "replayed": _("Diese Antwort Ihrer Wallet ist bereits einmal eingegangen und wird deshalb nicht noch einmal "
                  "angenommen. Bitte versuchen Sie es erneut."),
    "missing_credential": _("Ihre Wallet hat keinen Personalausweis-Datensatz (PID) übermittelt. Bitte wählen Sie "
                            "in der Wallet Ihren PID aus und versuchen Sie es erneut."),
    "missing_claims": _("Ihre Wallet hat nicht alle benötigten Angaben übermittelt. Bitte geben Sie in der Wallet "
                        "alle angefragten Angaben frei und versuchen Sie es erneut."),
    "untrusted_issuer": _("Der Identitätsnachweis in Ihrer Wallet stammt nicht von einem anerkannten Aussteller. "
                          "Angenommen werden nur Personalausweis-Datensätze (PID) anerkannter Aussteller."),
    "bad_signature": _("Die Signatur des Ausstellers Ihres Identitätsnachweises ist ungültig. Bitte versuchen "
                       "Sie es erneut."),
    "wrong_credential_type": _("Ihre Wallet hat einen anderen Nachweis als den Personalausweis-Datensatz (PID) "
                               "übermittelt. Bitte wählen Sie in der Wallet Ihren PID aus."),
    "expired": _("Der Personalausweis-Datensatz (PID) in Ihrer Wallet ist abgelaufen. Bitte erneuern Sie ihn in "
                 "Ihrer Wallet und versuchen Sie es dann erneut."),
    "not_yet_valid": _("Der Personalausweis-Datensatz (PID) in Ihrer Wallet ist noch nicht gültig. Bitte "
                       "versuchen Sie es später erneut."),
    "bad_disclosure": _("Die übermittelten Angaben stimmen nicht mit dem überein, was der Aussteller bestätigt "
                        "hat. Sie wurden deshalb nicht angenommen. Bitte versuchen Sie es erneut."),
    "missing_key_binding": _("Ihre Wallet hat nicht bestätigt, dass sie selbst den Nachweis vorlegt (fehlende "
                             "Gerätebindung). Bitte versuchen Sie es erneut."),
    "bad_key_binding": _("Die Bestätigung Ihrer Wallet (Gerätebindung) ist ungültig. Bitte versuchen Sie es "
                         "erneut."),
    "wrong_audience": _("Ihre Wallet hat ihre Antwort für einen anderen Empfänger bestätigt als dieses "
                        "Servicekonto. Bitte versuchen Sie es erneut."),
    "wrong_nonce": _("Ihre Wallet hat ihre Antwort für eine andere Anfrage bestätigt als diese. Bitte versuchen "
                     "Sie es erneut."),
    "stale_key_binding": _("Die Bestätigung Ihrer Wallet ist zu alt. Bitte versuchen Sie es erneut."),
    "revoked": _("Der Personalausweis-Datensatz (PID) in Ihrer Wallet wurde vom Aussteller widerrufen, zum "
                 "Beispiel weil der Ausweis gesperrt wurde. Bitte lassen Sie sich einen neuen PID ausstellen."),
    "suspended": _("Der Personalausweis-Datensatz (PID) in Ihrer Wallet ist vorübergehend gesperrt. Bitte "
                   "wenden Sie sich an den Aussteller."),
    "status_unavailable": _("Ob Ihr Personalausweis-Datensatz (PID) noch gültig ist, lässt sich gerade nicht "
                            "prüfen. Bitte versuchen Sie es später erneut."),
}
assert REASONS <= set(MESSAGES), "every refusal reason needs its message"


def message_for(reason: str | None) -> str:
    return MESSAGES.get(reason or "", _AGAIN)
