"""`make run`'s demo service: registered for the code flow and for its own Postfach
token, also when its registration dates from before the Postfach; and the PDF it
sends is a well-formed one."""
from __future__ import annotations

import re

from idp.devserver import DEMO_NAME, _demo_client
from idp.extensions import db
from idp.oidc.models import Client
from demo.bescheid import bescheid_pdf


def postfach_token(app, client_id: str, secret: str):
    return app.test_client().post("/token", data={"grant_type": "client_credentials", "scope": "postfach"},
                                  auth=(client_id, secret))


def test_the_demo_client_gets_both_grants_and_an_old_one_learns_client_credentials(app):
    client_id, secret = _demo_client(app, "http://127.0.0.1:5001")
    with app.app_context():
        assert set(db.session.get(Client, client_id).grant_types) == {
            "authorization_code", "refresh_token", "client_credentials"}
    assert postfach_token(app, client_id, secret).status_code == 200
    with app.app_context():
        db.session.get(Client, client_id).grant_types = ["authorization_code", "refresh_token"]
        db.session.commit()
    again, secret = _demo_client(app, "http://127.0.0.1:5001")
    assert again == client_id
    with app.app_context():
        assert db.session.get(Client, client_id).name == DEMO_NAME
    r = postfach_token(app, client_id, secret)
    assert r.status_code == 200 and r.json["scope"] == "postfach", r.json


def test_the_bescheid_is_a_pdf_whose_cross_reference_table_points_at_its_objects():
    data = bescheid_pdf(["Bescheid über (Zone B)", "Backslash \\ bleibt"])
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    xref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[xref:].startswith(b"xref\n0 6\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n ", data)]
    assert [data[o:].split(b"\n", 1)[0] for o in offsets] == [f"{n} 0 obj".encode() for n in range(1, 6)]
    length = int(re.search(rb"/Length (\d+)", data).group(1))
    stream = data.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0]
    assert len(stream) == length
    assert b"(Bescheid \xfcber \\(Zone B\\)) '" in stream and b"(Backslash \\\\ bleibt) '" in stream
