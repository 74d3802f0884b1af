"""Consent given on the consent page and revoked under "Datenzugriff verwalten", in
the audit log with the online service and the names of the claims."""
from __future__ import annotations

from tests.audit.support import assert_no_personal_data, events, summary
from tests.support.flows import obtain_code


def test_consent_given_and_revoked(app, user_agent, make_account, make_client):
    account_id = make_account()
    rp = make_client()
    user_agent.login()
    obtain_code(user_agent, rp, scope="openid profile email")
    # A standing consent asks no more, and records nothing more.
    obtain_code(user_agent, rp, scope="openid profile")
    revoke = f"/mein-bereich/datenzugriff/zustimmung/{rp.client_id}/widerrufen"
    assert user_agent.submit("/mein-bereich/datenzugriff", {}, action=revoke).status_code == 302
    # Revoking what is no longer there is no event.
    user_agent.submit("/mein-bereich/datenzugriff", {}, action=revoke)

    found = events(app, "consent.")
    assert [(e.event, e.account_id, e.client_id) for e in found] == [
        ("consent.given", account_id, rp.client_id), ("consent.revoked", account_id, rp.client_id)]
    given = found[0].details["claims"]
    assert {"given_name", "family_name", "email"} <= set(given) and given == sorted(given)
    assert summary(found[1:]) == [("consent.revoked", True, {})]
    assert_no_personal_data(events(app), "Erika", "Mustermann", "erika@example.org")
