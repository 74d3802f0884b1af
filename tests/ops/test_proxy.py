"""Behind reverse proxies (SERVICEKONTO_TRUSTED_PROXIES): the client's address for the
login throttle and the https scheme for HSTS come from the X-Forwarded-* headers of
the trusted hops, and from nobody else's."""
from __future__ import annotations

import pytest
import requests

from idp.authn import throttle
from tests.conftest import csrf_from
from tests.ops.conftest import ProductionServer

PROXY = "10.0.0.5"
CLIENT = "203.0.113.7"
# What a client sent itself, before the proxy appended the address it saw.
FORGED = {"X-Forwarded-For": f"198.51.100.1, {CLIENT}", "X-Forwarded-Proto": "https"}
HSTS = "Strict-Transport-Security"


@pytest.fixture
def behind_one_proxy(variant_app):
    return variant_app(trusted_proxies=1)


def failed_login_through_proxy(application):
    client = application.test_client()
    environ = {"REMOTE_ADDR": PROXY}
    page = client.get("/anmelden", environ_base=environ, headers=FORGED)
    answer = client.post("/anmelden", environ_base=environ, headers=FORGED,
                         data={"email": "erika@example.org", "password": "falsch-123",
                               "csrf_token": csrf_from(page.text)})
    assert answer.status_code == 400
    return answer


def failures_from(app, address: str) -> int:
    with app.app_context():
        return throttle.recent_failures("erika@example.org", address)[1]


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, make_account):
    make_account()
    answer = failed_login_through_proxy(app)
    # The throttle counts the connecting address; anyone can write X-Forwarded-For.
    assert failures_from(app, PROXY) == 1 and failures_from(app, CLIENT) == 0
    assert HSTS not in answer.headers


def test_a_trusted_proxy_names_the_client_and_the_scheme(app, behind_one_proxy, make_account):
    make_account()
    answer = failed_login_through_proxy(behind_one_proxy)
    # The address the proxy appended counts, not the one the client put before it.
    assert failures_from(app, CLIENT) == 1
    assert failures_from(app, PROXY) == 0 and failures_from(app, "198.51.100.1") == 0
    assert answer.headers[HSTS].startswith("max-age=")


def test_trusted_proxies_must_be_a_number_of_hops():
    from idp.config import Settings

    assert Settings.from_env({"SERVICEKONTO_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    assert Settings.from_env({}).trusted_proxies == 0
    for wrong in ("10.0.0.5", "-1"):
        with pytest.raises(ValueError, match="SERVICEKONTO_TRUSTED_PROXIES"):
            Settings.from_env({"SERVICEKONTO_TRUSTED_PROXIES": wrong})


@pytest.mark.parametrize("hops, secure", [(None, False), ("1", True)])
def test_the_production_server_trusts_forwarded_headers_only_when_told(app, tmp_path, hops, secure):
    # gunicorn alone would believe X-Forwarded-Proto from 127.0.0.1.
    env = {"SERVICEKONTO_TRUSTED_PROXIES": hops} if hops else {}
    server = ProductionServer(app, tmp_path, workers=1, **env).start()
    try:
        answer, _ = server.request(requests.Session(), "GET", "/anmelden", headers=FORGED)
    finally:
        server.stop()
    assert answer.status_code == 200 and (HSTS in answer.headers) == secure


def test_the_constant_documents_get_hsts_over_https_too(behind_one_proxy):
    # They are answered before Flask (idp/oidc/documents.py), from the same scheme.
    client = behind_one_proxy.test_client()
    for path in ("/.well-known/openid-configuration", "/jwks"):
        assert client.get(path, headers=FORGED).headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Strict-Transport-Security" not in client.get(path).headers
