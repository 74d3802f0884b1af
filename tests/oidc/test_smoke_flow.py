"""The code flow end to end through the test client: what an online service sees."""
import jwt as pyjwt

from tests.conftest import pkce_pair, query_of


def test_code_flow_gives_tokens_with_level_and_pairwise_sub(app, user_agent, make_account, make_client):
    make_account()
    rp = make_client()
    verifier, challenge = pkce_pair()
    user_agent.login()
    r = user_agent.get("/authorize", query_string=dict(
        response_type="code", client_id=rp.client_id, redirect_uri=rp.redirect_uri, scope="openid profile email",
        state="s1", nonce="n1", code_challenge=challenge, code_challenge_method="S256"))
    assert r.status_code == 302 and "/zustimmung" in r.headers["Location"]
    r = user_agent.submit(r.headers["Location"], {"decision": "zustimmen"})
    params = query_of(r.headers["Location"])
    assert r.headers["Location"].startswith(rp.redirect_uri)
    assert params["state"] == "s1" and params["iss"] == app.config["SERVICEKONTO"].issuer
    r = user_agent.post("/token", data=dict(grant_type="authorization_code", code=params["code"],
                                            redirect_uri=rp.redirect_uri, code_verifier=verifier),
                        auth=(rp.client_id, rp.client_secret))
    assert r.status_code == 200, r.json
    claims = pyjwt.decode(r.json["id_token"], options={"verify_signature": False})
    assert claims["loa"] == "niedrig"
    assert claims["acr"] == "http://eidas.europa.eu/LoA/low"
    assert claims["amr"] == ["pwd"]
    assert claims["nonce"] == "n1"
    other = make_client(redirect_uri="http://127.0.0.1:9/other")
    from idp.oidc.claims import pairwise_subject
    with app.app_context():
        secret = app.extensions["servicekonto.keys"].secret("pairwise")
    from idp.extensions import db
    from idp.accounts.models import Account
    with app.app_context():
        account_id = db.session.query(Account).one().id
    assert claims["sub"] == pairwise_subject(secret, rp.client_id, account_id)
    assert claims["sub"] != pairwise_subject(secret, other.client_id, account_id)
    assert account_id not in claims["sub"]
