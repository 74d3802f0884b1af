"""Creating an account with another state's Servicekonto never tells whether the
address entered has an account here (SPEC §3): the same page as for a free address,
the request limit for both alike, a notice to the owner instead, nothing made or
linked; and an unactivated registration of the address gets replaced, with a fresh
link, as at the registration form."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from federation import broker
from federation.models import FederatedLink, FederationPartner
from federation.remote import RemoteAttribute, RemoteIdentity
from idp.accounts.models import Account
from idp.authn import request_limits
from idp.extensions import db
from idp.loa import Level
from idp.organisations.models import OrganisationMember
from tests.conftest import Browserless, csrf_from
from tests.organisations.support import add_member, make_organisation
from tests.support.federation import add_oidc_partner, arrived
from tests.support.registration import ACTIVATION_SUBJECT, activation_path, register

TAKEN = "erika@example.org"
VOUCHED = "berta@example.org"  # the address the partner sends (tests.support.federation.REMOTE)
NOTICE = "bei einer Anmeldung mit einem anderen Servicekonto angegeben"


@pytest.fixture
def partner_id(app):
    return add_oidc_partner(app)


def take_over(app, partner_id, email, subject="sub-berta"):
    agent = Browserless(app)
    page = arrived(app, agent, partner_id, subject=subject)
    return agent, agent.submit(page, {"decision": "zustimmen", "email": email})


def shown(response, email):
    """The page without the address entered, the login's id and the per-session form token."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", response.text.replace(email, "ADRESSE"))
    return re.sub(r"/ergebnis/[\w-]+", "/ergebnis/ID", text)


def accounts_at(app, email):
    with app.app_context():
        return [(a.id, a.kind, a.status) for a in db.session.scalars(select(Account).where(
            Account.email_normalized == email))]


def federated_links(app):
    with app.app_context():
        return db.session.scalars(select(FederatedLink.account_id)).all()


def subjects(mailbox, email):
    return [m.subject for m in mailbox.mails if email in [t.lower() for t in m.to]]


def test_a_taken_address_gets_the_page_of_a_free_one(app, partner_id, mailbox, make_account):
    make_account(email=TAKEN)
    before = accounts_at(app, TAKEN)
    _, free = take_over(app, partner_id, "frei@example.org", subject="sub-frei")
    _, taken = take_over(app, partner_id, TAKEN.upper())
    assert taken.status_code == free.status_code == 200
    assert shown(taken, TAKEN.upper()) == shown(free, "frei@example.org")
    notice = mailbox.wait_for(TAKEN, NOTICE)
    assert "„Land C“" in notice.body and "Verbundene Servicekonten" in notice.body and "http" not in notice.body
    mailbox.wait_for("frei@example.org", ACTIVATION_SUBJECT)
    assert ACTIVATION_SUBJECT not in subjects(mailbox, TAKEN)
    assert accounts_at(app, TAKEN) == before
    # Only the free address's account is linked to its remote identity.
    assert federated_links(app) == [accounts_at(app, "frei@example.org")[0][0]]


def test_the_owner_the_partner_vouches_for_is_told_plainly(app, partner_id, mailbox, make_account):
    """A free address the partner vouches for logs in at once, so a taken one shows
    anyway: its owner (in the partner's word) gets the plain refusal and may try
    another address. Still nothing is linked by the address."""
    make_account(email=VOUCHED, given_name="Berta")
    agent, r = take_over(app, partner_id, VOUCHED)
    assert r.status_code == 400 and "nie allein wegen der E-Mail-Adresse verbunden" in r.text
    assert federated_links(app) == [] and len(accounts_at(app, VOUCHED)) == 1
    assert agent.get("/mein-bereich").status_code == 302  # not logged in


def test_an_unactivated_registration_of_an_address_the_partner_vouches_for_makes_way(app, partner_id, mailbox):
    register(Browserless(app), email=VOUCHED)
    agent, r = take_over(app, partner_id, VOUCHED)
    assert r.status_code == 302 and r.location.endswith("/mein-bereich")
    (account_id, kind, status), = accounts_at(app, VOUCHED)
    assert (kind, status) == ("citizen", "active") and federated_links(app) == [account_id]


def test_an_unactivated_registration_of_the_address_is_replaced_with_a_fresh_link(app, partner_id, mailbox):
    register(Browserless(app), email="berta.neu@example.org")
    old_link = activation_path(mailbox, "berta.neu@example.org")
    mailbox.clear()
    agent, r = take_over(app, partner_id, "berta.neu@example.org")
    assert r.status_code == 200 and "E-Mail-Adresse bestätigen" in r.text
    new_link = activation_path(mailbox, "berta.neu@example.org")
    assert new_link != old_link
    assert Browserless(app).submit(old_link, {}).status_code == 400
    (account_id, kind, status), = accounts_at(app, "berta.neu@example.org")
    assert (kind, status) == ("citizen", "pending") and federated_links(app) == [account_id]
    page = agent.get(new_link)
    agent.client.post(new_link, data={"csrf_token": csrf_from(page.text)})
    assert accounts_at(app, "berta.neu@example.org")[0][2] == "active"
    # From now on the other state's Servicekonto logs in here.
    r = agent.client.get(arrived(app, agent, partner_id))
    assert r.status_code == 302 and r.location.endswith("/mein-bereich")


def test_a_pending_organisation_users_address_is_taken_too(app, partner_id, mailbox):
    org = make_organisation(app)
    invited = add_member(app, org.organisation_id, "max@muster.example", active=False)
    _, r = take_over(app, partner_id, "max@muster.example")
    assert r.status_code == 200 and "E-Mail-Adresse bestätigen" in r.text
    assert "noch nicht aktiviert" in mailbox.wait_for("max@muster.example", "Registrierung").body
    assert accounts_at(app, "max@muster.example") == [(invited, "organisation", "pending")]
    with app.app_context():
        assert db.session.get(OrganisationMember, invited).organisation_id == org.organisation_id
    assert federated_links(app) == []


def test_the_request_limit_counts_taken_and_free_addresses_alike(app, partner_id, mailbox, make_account):
    make_account(email=TAKEN)
    for n in range(request_limits.PER_SOURCE - 1):
        assert take_over(app, partner_id, f"person{n}@example.org", subject=f"sub-{n}")[1].status_code == 200
    assert take_over(app, partner_id, TAKEN, subject="sub-x")[1].status_code == 200
    _, taken = take_over(app, partner_id, TAKEN, subject="sub-y")
    _, free = take_over(app, partner_id, "noch-jemand@example.org", subject="sub-z")
    assert taken.status_code == free.status_code == 400
    assert str(request_limits.EXCEEDED) in taken.text and str(request_limits.EXCEEDED) in free.text


def test_a_remote_identity_linked_here_is_refused_before_the_address_is_looked_at(app, app_ctx, make_account):
    """The refusal is about the identity proven at the partner, whatever the address."""
    make_account(email=TAKEN)
    linked = db.session.get(Account, make_account(email="otto@example.org"))
    partner = db.session.get(FederationPartner, add_oidc_partner(app))
    broker.link(linked, partner, "sub-otto")
    db.session.commit()
    remote = RemoteIdentity(partner.id, "sub-otto", Level.HOCH, ("pwd",), (
        RemoteAttribute("given_name", "Otto", Level.HOCH), RemoteAttribute("family_name", "Normal", Level.HOCH)))
    for email in (TAKEN, "frei@example.org"):
        assert broker.create_account(partner, remote, email, lambda secret: secret) == (None, broker.ALREADY_LINKED)
