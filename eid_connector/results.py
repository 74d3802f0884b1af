"""Result codes of the eID-Server (TR-03130) and the eID-Client (TR-03124) with the
German messages the citizen sees.

A message says what happened and what to do. Which sentence about the state of the
citizen's process is added depends on the flow: a registration or upgrade in
progress is kept for another try, a login can fall back to the password.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

# TR-03130 3.4: ResultMajor comes from TR-03112 part 1 (eCard-API).
RESULT_MAJOR_OK = "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#ok"
RESULT_MAJOR_ERROR = "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#error"
RESULT_MINOR_PREFIX = "http://www.bsi.bund.de/eid/server/2.0/resultminor/"


class ResultMinor(StrEnum):
    """ResultMinor of the eID-Server (full URIs)."""

    INTERNAL_ERROR = RESULT_MINOR_PREFIX + "common#internalError"
    SCHEMA_VIOLATION = RESULT_MINOR_PREFIX + "common#schemaViolation"
    INVALID_PSK = RESULT_MINOR_PREFIX + "useID#invalidPSK"
    TOO_MANY_OPEN_SESSIONS = RESULT_MINOR_PREFIX + "useID#tooManyOpenSessions"
    MISSING_ARGUMENT = RESULT_MINOR_PREFIX + "useID#missingArgument"
    MISSING_TERMINAL_RIGHTS = RESULT_MINOR_PREFIX + "useID#missingTerminalRights"
    NO_RESULT_YET = RESULT_MINOR_PREFIX + "getResult#noResultYet"
    INVALID_SESSION = RESULT_MINOR_PREFIX + "getResult#invalidSession"
    INVALID_COUNTER = RESULT_MINOR_PREFIX + "getResult#invalidCounter"
    DENIED_DOCUMENT = RESULT_MINOR_PREFIX + "getResult#deniedDocument"
    INVALID_DOCUMENT = RESULT_MINOR_PREFIX + "getResult#invalidDocument"


class ClientResultMinor(StrEnum):
    """ResultMinor the eID-Client puts on the RefreshAddress (TR-03124-1 2.5.4)."""

    CANCELLATION_BY_USER = "cancellationByUser"
    TRUSTED_CHANNEL_ESTABLISHMENT_FAILED = "trustedChannelEstablishmentFailed"
    SERVER_ERROR = "serverError"
    CLIENT_ERROR = "clientError"
    # Sent to the CommunicationErrorAddress when no RefreshAddress could be used.
    COMMUNICATION_ERROR = "communicationError"


class Flow(Enum):
    """What the citizen was doing when the eID step failed."""

    REGISTRATION = "registration"
    UPGRADE = "upgrade"
    LOGIN = "login"
    SYNC = "sync"


_KEPT = {
    None: "Ihre begonnene Registrierung bzw. Ihr Upgrade bleibt erhalten.",
    Flow.REGISTRATION: "Ihre begonnene Registrierung bleibt erhalten.",
    Flow.UPGRADE: "Ihr begonnenes Upgrade auf Servicekonto Plus bleibt erhalten.",
    Flow.SYNC: "Ihre gespeicherten Daten bleiben unverändert.",
    Flow.LOGIN: "",
}
_LOGIN_ALTERNATIVE = "Sie können sich auch mit E-Mail-Adresse und Passwort anmelden."

_NOT_YOUR_FAULT = "Das liegt nicht an Ihnen oder Ihrem Ausweis."
_RETRY = "Sie können es erneut versuchen."
_RETRY_LATER = "Bitte versuchen Sie es in einigen Minuten erneut."
_SUPPORT = (
    "Bitte versuchen Sie es später erneut. Besteht der Fehler weiter, wenden Sie sich "
    "bitte an den Support."
)

# minor -> (what happened, what to do)
_SERVER_TEXTS: dict[str, tuple[str, str]] = {
    ResultMinor.INTERNAL_ERROR: (
        "Beim Dienst für die Online-Ausweisfunktion ist ein technischer Fehler aufgetreten. "
        + _NOT_YOUR_FAULT,
        _RETRY_LATER,
    ),
    ResultMinor.SCHEMA_VIOLATION: (
        "Unsere Anfrage an den Dienst für die Online-Ausweisfunktion wurde wegen eines "
        "technischen Fehlers abgelehnt. " + _NOT_YOUR_FAULT,
        _SUPPORT,
    ),
    ResultMinor.INVALID_PSK: (
        "Die sichere Verbindung zum Auslesen Ihres Ausweises konnte nicht vorbereitet "
        "werden. " + _NOT_YOUR_FAULT,
        _RETRY,
    ),
    ResultMinor.TOO_MANY_OPEN_SESSIONS: (
        "Der Dienst für die Online-Ausweisfunktion ist gerade stark ausgelastet.",
        _RETRY_LATER,
    ),
    ResultMinor.MISSING_ARGUMENT: (
        "Unsere Anfrage an den Dienst für die Online-Ausweisfunktion war unvollständig. "
        + _NOT_YOUR_FAULT,
        _SUPPORT,
    ),
    ResultMinor.MISSING_TERMINAL_RIGHTS: (
        "Unser Dienst ist zurzeit nicht berechtigt, die benötigten Daten aus dem Ausweis "
        "zu lesen. " + _NOT_YOUR_FAULT,
        _SUPPORT,
    ),
    ResultMinor.NO_RESULT_YET: (
        "Das Auslesen Ihres Ausweises ist noch nicht abgeschlossen.",
        "Bitte schließen Sie den Vorgang in der AusweisApp ab und versuchen Sie es dann "
        "erneut.",
    ),
    ResultMinor.INVALID_SESSION: (
        "Der Vorgang zum Auslesen Ihres Ausweises ist abgelaufen oder wurde bereits "
        "abgeschlossen.",
        "Bitte starten Sie das Auslesen des Ausweises erneut.",
    ),
    ResultMinor.INVALID_COUNTER: (
        "Das Ergebnis des Auslesens konnte wegen eines technischen Fehlers nicht abgerufen "
        "werden. " + _NOT_YOUR_FAULT,
        "Bitte starten Sie das Auslesen des Ausweises erneut.",
    ),
    ResultMinor.DENIED_DOCUMENT: (
        "Das verwendete Ausweisdokument wird für diesen Vorgang nicht akzeptiert.",
        "Bitte verwenden Sie Ihren Personalausweis, Ihren elektronischen Aufenthaltstitel "
        "oder Ihre eID-Karte und versuchen Sie es erneut.",
    ),
    ResultMinor.INVALID_DOCUMENT: (
        "Ihr Ausweis konnte nicht als gültig bestätigt werden, zum Beispiel weil er "
        "abgelaufen oder gesperrt ist.",
        "Bitte versuchen Sie es mit einem gültigen Ausweis erneut. Fragen zur Gültigkeit "
        "oder Sperrung beantwortet Ihre Ausweisbehörde (Bürgeramt).",
    ),
}

_CLIENT_TEXTS: dict[str, tuple[str, str]] = {
    ClientResultMinor.CANCELLATION_BY_USER: (
        "Sie haben den Vorgang in der AusweisApp abgebrochen. Es wurden keine Daten aus "
        "Ihrem Ausweis übermittelt.",
        _RETRY,
    ),
    ClientResultMinor.TRUSTED_CHANNEL_ESTABLISHMENT_FAILED: (
        "Die AusweisApp konnte keine sichere Verbindung zum Dienst für die "
        "Online-Ausweisfunktion aufbauen.",
        "Bitte prüfen Sie Ihre Internetverbindung und ob Ihre AusweisApp auf dem neuesten "
        "Stand ist, und versuchen Sie es erneut.",
    ),
    ClientResultMinor.SERVER_ERROR: (
        "Der Dienst für die Online-Ausweisfunktion hat den Vorgang wegen eines technischen "
        "Fehlers beendet. " + _NOT_YOUR_FAULT,
        _RETRY_LATER,
    ),
    ClientResultMinor.CLIENT_ERROR: (
        "In der AusweisApp ist ein Fehler aufgetreten, zum Beispiel beim Lesen des "
        "Ausweises.",
        "Bitte legen Sie Ihren Ausweis ruhig an den Kartenleser oder an Ihr Smartphone "
        "und versuchen Sie es erneut.",
    ),
    ClientResultMinor.COMMUNICATION_ERROR: (
        "Die AusweisApp konnte nicht mit unserem Dienst kommunizieren.",
        "Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.",
    ),
}

_UNKNOWN = (
    "Beim Auslesen Ihres Ausweises ist ein Fehler aufgetreten.",
    _RETRY,
)


_TECHNICAL = (
    "Die Verbindung zum Dienst für die Online-Ausweisfunktion ist gerade gestört. "
    + _NOT_YOUR_FAULT,
    _RETRY_LATER,
)


def _compose(texts: tuple[str, str], flow: Flow | None) -> str:
    what, action = texts
    parts = [what, _KEPT[flow], action]
    if flow is Flow.LOGIN:
        parts.append(_LOGIN_ALTERNATIVE)
    return " ".join(p for p in parts if p)


def message_for(minor: str | None, flow: Flow | None = None) -> str:
    """German message for an eID-Server ResultMinor (full URI as delivered)."""
    return _compose(_SERVER_TEXTS.get(minor or "", _UNKNOWN), flow)


def technical_message(flow: Flow | None = None) -> str:
    """For failures between us and the eID-Server (unreachable, bad signature, ...)."""
    return _compose(_TECHNICAL, flow)


def _client_minor(value: str | None) -> str | None:
    """Accept the bare name and a URI ending in it (#name or /name)."""
    if not value:
        return None
    tail = value.strip().rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail if tail in ClientResultMinor._value2member_map_ else None


def client_message_for(minor: str | None, flow: Flow | None = None) -> str:
    """German message for a ResultMinor the eID-Client put on the RefreshAddress."""
    known = _client_minor(minor)
    return _compose(_CLIENT_TEXTS[known] if known else _UNKNOWN, flow)


@dataclass(frozen=True)
class ClientRedirect:
    """What the eID-Client claims on the RefreshAddress.

    It proves nothing (anyone can type the query); on `ok` the caller must still ask
    the eID-Server with getResult. On an error the caller can skip getResult.
    """

    ok: bool
    minor: ClientResultMinor | None

    def message(self, flow: Flow | None = None) -> str | None:
        return None if self.ok else client_message_for(self.minor, flow)


def parse_client_redirect(result_major: str | None, result_minor: str | None) -> ClientRedirect:
    """Read ResultMajor/ResultMinor of the RefreshAddress query (either may be missing)."""
    major = (result_major or "").strip().rsplit("#", 1)[-1].lower()
    if major == "ok":
        return ClientRedirect(True, None)
    known = _client_minor(result_minor)
    return ClientRedirect(False, ClientResultMinor(known) if known else None)


def age_refused_message(min_age: int, flow: Flow | None = None) -> str:
    """The card was read but the holder is younger than `min_age`."""
    what = f"Für ein Servicekonto Plus müssen Sie mindestens {min_age} Jahre alt sein."
    kept = {
        Flow.UPGRADE: "Ihr Servicekonto bleibt unverändert bestehen.",
        Flow.REGISTRATION: "Sie können stattdessen ein Servicekonto ohne Ausweis anlegen.",
    }.get(flow, "")
    return " ".join(p for p in (what, kept) if p)
