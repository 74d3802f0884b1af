"""Playing the wallet against the IdP without a browser: the trip page's links, the
request object from the request_uri, the simulator wallet's answer posted to the
response_uri (as the wallet app does, outside the citizen's browser); an account whose
address is older than its PID's."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlsplit

from idp.accounts.models import Account
from idp.extensions import db
from idp.loa import Level
from wallet_connector.simulator import ADULT, Defect
from wallet_connector.transactions import CROSS_DEVICE, SAME_DEVICE

# The simulator's broken answers and the reason each is refused with.
DEFECT_REASONS = {
    Defect.WRONG_NONCE: "wrong_nonce",
    Defect.WRONG_AUDIENCE: "wrong_audience",
    Defect.TAMPERED_DISCLOSURE: "bad_disclosure",
    Defect.MISSING_KEY_BINDING: "missing_key_binding",
    Defect.UNTRUSTED_ISSUER: "untrusted_issuer",
    Defect.REPLAYED_RESPONSE: "replayed",
}

SAME, CROSS = SAME_DEVICE, CROSS_DEVICE
# Where Erika lived before she moved to the address of her PID (HEIDESTRASSE 17, 51147 KÖLN).
OLD_ADDRESS = {"street": "ALTE GASSE", "house_number": "3", "postal_code": "10115", "city": "BERLIN"}


@dataclass
class Trip:
    path: str  # the trip page, /wallet/<id>
    same_device_link: str
    cross_device_link: str

    @property
    def id(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def links_on(html: str) -> tuple[str, str]:
    found = [unescape(value) for value in re.findall(r'href="([^"]*request_uri[^"]*)"', html)]
    same = next(link for link in found if "dieses-geraet" in link)
    cross = next(link for link in found if "anderes-geraet" in link)
    return same, cross


def start(user_agent, url: str = "/anmelden/wallet") -> Trip:
    response = user_agent.get(url)
    assert response.status_code == 302, response.text
    path = urlsplit(response.headers["Location"]).path
    page = user_agent.get(path)
    assert page.status_code == 200, page.text
    return Trip(path, *links_on(page.text))


def request_uri(link: str) -> str:
    return parse_qs(urlsplit(link).query)["request_uri"][0]


def moved_away(app, account_id: str) -> None:
    """The account still holds the address its PID had before the move."""
    with app.app_context():
        account = db.session.get(Account, account_id)
        for name, value in OLD_ADDRESS.items():
            account.set_attribute(name, value, Level.HOCH, "wallet")
        db.session.commit()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Holder:
    """The wallet app: fetches with its own HTTP client (no cookies of the browser)."""

    def __init__(self, app, wallet):
        self.client = app.test_client()
        self.wallet = wallet

    def fetch(self, link: str):
        answer = self.client.get(path_of(request_uri(link)))
        assert answer.status_code == 200, answer.text
        assert answer.mimetype == "application/oauth-authz-req+jwt"
        return self.wallet.read_request(answer.text)

    def post(self, request, form: dict):
        return self.client.post(path_of(request.response_uri), data=form)

    def answer(self, link: str, pid_id: str = ADULT, defect: Defect = Defect.NONE):
        """Fetch, answer, post; the last response of the response_uri."""
        request = self.fetch(link)
        if defect is Defect.REPLAYED_RESPONSE:
            self.post(request, self.wallet.respond(request, pid_id).form)
        response = self.post(request, self.wallet.respond(request, pid_id, defect).form)
        assert response.status_code == 200, response.text
        return response

    def decline(self, link: str):
        request = self.fetch(link)
        return self.post(request, {"error": "access_denied", "state": request.state})
