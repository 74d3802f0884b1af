"""The constant documents answered at the WSGI edge (idp/oidc/documents.py): the same
bytes and headers an online service got from the Flask view, for every caller, with
no session, and the usual answers for other methods."""
from __future__ import annotations

import json

PATHS = ("/.well-known/openid-configuration", "/jwks")


def test_documents_carry_the_headers_of_every_answer_and_no_session(user_agent):
    user_agent.get("/anmelden")  # a browser with a session cookie asks too
    for path in PATHS:
        r = user_agent.get(path, headers={"Accept-Language": "en"})
        assert r.status_code == 200 and r.mimetype == "application/json"
        assert int(r.headers["Content-Length"]) == len(r.data) and json.loads(r.data)
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Referrer-Policy"] == "no-referrer"
        assert len(r.headers["X-Request-ID"]) == 32
        # The same for everyone: nothing that would make a cache keep one per browser.
        assert "Set-Cookie" not in r.headers and "Vary" not in r.headers
        assert "Strict-Transport-Security" not in r.headers  # plain http here


def test_head_gives_the_length_without_the_body_and_other_methods_are_refused(app, user_agent):
    client = app.test_client()
    for path in PATHS:
        full = user_agent.get(path)
        head = client.head(path)
        assert head.status_code == 200 and head.data == b""
        assert head.headers["Content-Length"] == full.headers["Content-Length"]
        refused = client.post(path)
        assert refused.status_code == 405 and "GET" in refused.headers["Allow"]


def test_discovery_names_the_same_endpoints_as_the_routes(app, user_agent):
    document = user_agent.get("/.well-known/openid-configuration").json
    issuer = app.config["SERVICEKONTO"].issuer
    with app.test_request_context():
        from flask import url_for

        assert document["token_endpoint"] == issuer + url_for("oidc.token")
        assert document["jwks_uri"] == issuer + url_for("oidc.jwks")
        assert document["pushed_authorization_request_endpoint"] == issuer + url_for("oidc.pushed_authorization_request")
