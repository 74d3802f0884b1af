"""Registration of an organisation through its pages (SPEC §6), without a browser: what
the steps are sent, and the activation link of the first administrator."""
from __future__ import annotations

from urllib.parse import urlparse

START = "/organisation/registrierung"
STEP2 = START + "/administrator"
STEP3 = START + "/online-dienste"
OVERVIEW = START + "/uebersicht"
PASSWORD = "Sonnenblume-42"
ORGANISATION = {"name": "Muster & Söhne GmbH", "legal_form": "GmbH", "register_number": "HRB 12345",
                "register_court": "Amtsgericht Hamburg", "street": "Hafenstraße", "house_number": "12a",
                "postal_code": "20457", "city": "Hamburg", "po_box": ""}
ADMINISTRATOR = {"given_name": "Erika", "family_name": "Muster", "birth_date": "24.12.1980",
                 "phone": "040 123456", "email": "erika@muster.example", "password": PASSWORD,
                 "password_repeat": PASSWORD}


def activation_link(mailbox, address=ADMINISTRATOR["email"]) -> str:
    mail = mailbox.wait_for(address, "Servicekonto Business")
    links = [link for link in mail.links() if "/organisation/registrierung/aktivieren/" in link]
    assert len(links) == 1, mail.body
    assert "24 Stunden" in mail.body
    return urlparse(links[0]).path


def activate(user_agent, path):
    page = user_agent.get(path)
    assert page.status_code == 200 and "Servicekonto Business aktivieren" in page.text
    return user_agent.submit(path, {})
