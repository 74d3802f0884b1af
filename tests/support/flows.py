"""Steps of the code flow as an online service and a browser perform them, for tests
that need tokens before they can check a refusal."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from tests.conftest import pkce_pair, query_of

ERROR_PAGE_TITLE = "Die Anfrage des Online-Dienstes ist ungültig"


def authorize_query(rp, challenge: str | None = None, **extra) -> dict:
    """A well-formed request for `rp`; `extra` overrides or adds parameters, None drops one."""
    query = dict(response_type="code", client_id=rp.client_id, redirect_uri=rp.redirect_uri,
                 scope="openid profile", state="zustand-1", nonce="nonce-1")
    if challenge is not None:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    query.update(extra)
    return {k: v for k, v in query.items() if v is not None}


def location(response) -> str:
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    return response.headers["Location"]


def path_of(url: str) -> str:
    return urlparse(url).path


def is_redirect_to(response, uri: str) -> bool:
    loc = response.headers.get("Location", "")
    return response.status_code in (301, 302, 303, 307, 308) and loc.startswith(uri)


def assert_error_redirect(response, rp, error: str, app, state: str | None = "zustand-1") -> dict:
    """The browser goes back to the service with an error, `state` and `iss` (RFC 9207)."""
    loc = location(response)
    assert loc.startswith(rp.redirect_uri + "?"), loc
    params = query_of(loc)
    assert params.get("error") == error, params
    assert "code" not in params
    assert params.get("iss") == app.config["SERVICEKONTO"].issuer
    if state is not None:
        assert params.get("state") == state
    return params


def assert_error_page(response, not_to: str | None = None) -> None:
    """The browser stays here on an error page; nothing goes to an untrusted address."""
    assert response.status_code == 400, (response.status_code, response.headers.get("Location"))
    assert "Location" not in response.headers
    assert ERROR_PAGE_TITLE in response.text
    if not_to:
        # It may be named in the technical note, but nothing on the page leads there.
        for attr in ("href", "action", "src", "content"):
            assert f'{attr}="{not_to}' not in response.text


def consent(user_agent, consent_url: str):
    assert "/zustimmung" in consent_url, consent_url
    return user_agent.submit(consent_url, {"decision": "zustimmen"})


@dataclass
class Grant:
    code: str
    verifier: str
    params: dict


def obtain_code(user_agent, rp, **extra) -> Grant:
    """Authorize (the browser is already logged in), agree if asked, return the code."""
    verifier, challenge = pkce_pair()
    r = user_agent.get("/authorize", query_string=authorize_query(rp, challenge, **extra))
    loc = location(r)
    if "/zustimmung" in loc:
        loc = location(consent(user_agent, loc))
    assert loc.startswith(rp.redirect_uri + "?"), loc
    params = query_of(loc)
    assert "code" in params, params
    return Grant(params["code"], verifier, params)


def back_channel(user_agent):
    """The online service's own HTTP client: same provider, none of the browser's cookies."""
    return user_agent.client.application.test_client()


def token_request(user_agent, rp, data: dict, secret: str | None = "__rp__"):
    """POST /token the way `rp` authenticates: HTTP Basic with its secret, or as a
    public client with only its client_id in the body."""
    secret = rp.client_secret if secret == "__rp__" else secret
    if secret is None:
        return back_channel(user_agent).post("/token", data={**data, "client_id": rp.client_id})
    return back_channel(user_agent).post("/token", data=data, auth=(rp.client_id, secret))


def exchange(user_agent, rp, grant: Grant, **overrides):
    data = dict(grant_type="authorization_code", code=grant.code, redirect_uri=rp.redirect_uri,
                code_verifier=grant.verifier)
    data.update(overrides)
    return token_request(user_agent, rp, {k: v for k, v in data.items() if v is not None})


def tokens(user_agent, rp, **extra) -> dict:
    r = exchange(user_agent, rp, obtain_code(user_agent, rp, **extra))
    assert r.status_code == 200, r.json
    return r.json


def refresh(user_agent, rp, refresh_token: str):
    return token_request(user_agent, rp, dict(grant_type="refresh_token", refresh_token=refresh_token))


def userinfo(user_agent, access_token: str):
    return back_channel(user_agent).get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})


__all__ = ["Grant", "back_channel", "assert_error_page", "assert_error_redirect", "authorize_query", "consent", "exchange",
           "is_redirect_to", "location", "obtain_code", "path_of", "pkce_pair", "query_of", "refresh",
           "token_request", "tokens", "userinfo"]
