"""Two approvals of the same service at once (two tabs, a double click): the second
must not fail on the consent row the first one stored meanwhile."""
import pytest
from sqlalchemy import event, insert, select

from idp.extensions import db
from idp.oidc.models import Consent
from tests.conftest import pkce_pair, query_of
from tests.support.flows import authorize_query, location


@pytest.fixture
def other_approval_between_check_and_insert(app):
    """Commits the other approval's consent row, through its own connection, just before
    this request's insert reaches the database: the moment the race is lost."""
    inserted = []

    def before_flush(session, flush_context, instances):
        pending = [obj for obj in session.new if isinstance(obj, Consent)]
        if pending and not inserted:
            row = pending[0]
            with db.engine.begin() as conn:
                conn.execute(insert(Consent).values(account_id=row.account_id, client_id=row.client_id,
                                                    claims=["email"], granted_at=row.granted_at))
            inserted.append(row.client_id)

    event.listen(db.session, "before_flush", before_flush)
    yield inserted
    event.remove(db.session, "before_flush", before_flush)


def test_an_approval_that_loses_the_race_still_gives_a_code(
        app, user_agent, make_account, make_client, other_approval_between_check_and_insert):
    account_id = make_account()
    rp = make_client()
    user_agent.login()
    verifier, challenge = pkce_pair()
    consent_page = location(user_agent.get("/authorize", query_string=authorize_query(rp, challenge)))
    assert "/zustimmung" in consent_page

    r = user_agent.submit(consent_page, {"decision": "zustimmen"})

    assert other_approval_between_check_and_insert == [rp.client_id]
    params = query_of(location(r))
    assert location(r).startswith(rp.redirect_uri + "?") and params.get("code"), params
    r = user_agent.post("/token", data=dict(grant_type="authorization_code", code=params["code"],
                                            redirect_uri=rp.redirect_uri, code_verifier=verifier),
                        auth=(rp.client_id, rp.client_secret))
    assert r.status_code == 200, r.json
    with app.app_context():
        consent = db.session.execute(select(Consent)).scalar_one()
    # Neither approval is lost: what the other one stored and what this one granted.
    assert consent.account_id == account_id
    assert set(consent.claims) >= {"email", "given_name", "family_name"}
