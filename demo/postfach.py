"""The demo service as a client of the Postfach message API: its own token by the
client credentials grant, a message with a PDF to the user who is logged in, and the
replies that came back. What every online service does on its server, never in the
browser (the token and the client secret stay here)."""
from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

import requests

from .bescheid import bescheid_pdf

TIMEOUT = 10  # seconds; the demo waits, a real service would queue and retry


class PostfachError(Exception):
    """The Servicekonto refused (its RFC 9457 problem `detail`) or did not answer."""


@dataclass(frozen=True)
class Api:
    issuer: str
    token_endpoint: str
    client_id: str
    client_secret: str

    @property
    def base(self) -> str:
        return self.issuer + "/api/postfach/v1"

    def _token(self) -> str:
        r = requests.post(self.token_endpoint, data={"grant_type": "client_credentials", "scope": "postfach"},
                          auth=(self.client_id, self.client_secret), timeout=TIMEOUT)
        if r.status_code != 200:
            raise PostfachError(f"kein Zugriffstoken: {r.json().get('error', r.status_code)}")
        return r.json()["access_token"]

    def _call(self, method: str, path: str, **kwargs) -> dict:
        headers = {"Authorization": f"Bearer {self._token()}", **kwargs.pop("headers", {})}
        try:
            r = requests.request(method, self.base + path, headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise PostfachError(str(exc)) from exc
        if r.status_code >= 400:
            raise PostfachError(r.json().get("detail", str(r.status_code)) if r.content else str(r.status_code))
        return r.json()

    def send(self, sub: str, reference: str, given_name: str | None) -> dict:
        salutation = f"Guten Tag {given_name}," if given_name else "Guten Tag,"
        pdf = bescheid_pdf(["Stadt Musterstadt - Straßenverkehrsbehörde", "",
                            "Bescheid über Ihren Anwohnerparkausweis", f"Aktenzeichen {reference}",
                            f"Ausgestellt am {date.today():%d.%m.%Y}", "", "Der Ausweis gilt ein Jahr für Zone B."])
        body = {
            "empfaenger": {"sub": sub},
            "vorgang": {"referenz": reference, "titel": "Anwohnerparkausweis"},
            "betreff": "Ihr Bescheid zum Anwohnerparkausweis",
            "text": f"{salutation}\n\nIhr Antrag auf einen Anwohnerparkausweis ist bewilligt. Den Bescheid "
                    "finden Sie im Anhang.\n\nMit freundlichen Grüßen\nIhre Straßenverkehrsbehörde",
            "antwort_erlaubt": True,
            "anhaenge": [{"dateiname": "bescheid-anwohnerparkausweis.pdf", "medientyp": "application/pdf",
                          "inhalt": base64.b64encode(pdf).decode()}],
        }
        # A retry with the same key would not deliver twice.
        return self._call("POST", "/nachrichten", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})

    def replies(self, reference: str, since: str) -> list[dict]:
        """The replies in the user's Vorgang (the first page is plenty for a demo)."""
        page = self._call("GET", "/antworten", params={"seit": since})
        return [r for r in page["antworten"] if r["referenz"] == reference]


def reference_for(sub: str) -> str:
    """The demo's own case reference for a user: one Vorgang per person."""
    return "PARK-" + hashlib.sha256(sub.encode()).hexdigest()[:10].upper()
