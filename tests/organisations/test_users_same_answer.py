""""Neuer Benutzer" and an administrator's change of a user's address never tell
whether an address outside the organisation has a Servicekonto (SPEC §3): anyone can
register an organisation. The owner of the address is told by mail instead, and their
account stays as it is."""
from __future__ import annotations

import re

import pytest

from idp.accounts.models import Account
from idp.authn import request_limits
from idp.extensions import db
from idp.organisations.models import OrganisationMember
from tests.organisations.support import PASSWORD, add_member, make_organisation
from tests.support.pages import error_of

ADMIN = "admin@muster.example"
CITIZEN = "erika@example.org"
ELSEWHERE = "leo@andere.example"
EXCEEDED = str(request_limits.EXCEEDED)
NEW_USER = "/administration/benutzer/neu"


@pytest.fixture
def muster(app, user_agent, make_account):
    """Muster GmbH with its administrator logged in; a citizen and a user of another
    organisation hold addresses Muster's administrator may try."""
    make_account(email=CITIZEN)
    make_organisation(app, name="Andere AG", admin_email="chefin@andere.example", users=(ELSEWHERE,))
    org = make_organisation(app, users=("anna@muster.example",))
    assert user_agent.login(ADMIN, PASSWORD).status_code == 302
    return org


def new_user(user_agent, email):
    return user_agent.submit(NEW_USER, {"given_name": "Berta", "family_name": "Neu", "birth_date": "", "phone": "",
                                        "email": email})


def holders(app, email):
    with app.app_context():
        return [(a.id, a.kind, a.status) for a in db.session.query(Account).filter_by(email_normalized=email)]


def organisation_of(app, account_id):
    with app.app_context():
        member = db.session.get(OrganisationMember, account_id)
        return member.organisation_id if member else None


def mails_to(mailbox, address):
    return [m.subject for m in mailbox.mails if address in [t.lower() for t in m.to]]


@pytest.mark.parametrize("taken", [CITIZEN, ELSEWHERE])
def test_a_new_user_with_a_taken_address_is_answered_like_a_free_one(app, user_agent, mailbox, muster, taken):
    before = holders(app, taken)
    elsewhere = organisation_of(app, before[0][0])
    free = new_user(user_agent, "berta@muster.example")
    refused = new_user(user_agent, taken.upper())
    assert (refused.status_code, refused.location) == (free.status_code, free.location)
    assert "Der Benutzer wurde angelegt" in user_agent.get(refused.location).text
    notice = mailbox.wait_for(taken, "für ein Servicekonto Business angegeben")
    assert "„Muster GmbH“" in notice.body and "http" not in notice.body
    mailbox.wait_for("berta@muster.example", "Ihr Zugang zum Servicekonto Business")
    assert "Ihr Zugang zum Servicekonto Business" not in mails_to(mailbox, taken)
    # No second account, no membership in Muster: the owner's account is untouched.
    assert holders(app, taken) == before
    assert organisation_of(app, before[0][0]) == elsewhere
    assert taken not in user_agent.get("/administration/benutzer").text


def test_an_address_of_the_own_organisation_is_refused_plainly(app, user_agent, mailbox, muster):
    """The administrator sees these addresses in the list anyway."""
    refused = new_user(user_agent, "Anna@muster.example")
    assert refused.status_code == 400
    assert "gehört bereits zu einem Benutzer Ihrer Organisation" in error_of(refused.text, "email")
    assert 'value="Neu"' in refused.text


def test_the_invitation_limit_counts_taken_and_free_addresses_alike(app, user_agent, mailbox, muster):
    for n in range(request_limits.PER_SOURCE - 1):
        assert new_user(user_agent, f"person{n}@muster.example").status_code == 302
    # A taken address uses up a request like any other.
    assert new_user(user_agent, CITIZEN).status_code == 302
    taken, free = new_user(user_agent, ELSEWHERE), new_user(user_agent, "noch-jemand@muster.example")
    assert taken.status_code == free.status_code == 400
    assert EXCEEDED in taken.text and EXCEEDED in free.text
    assert "kann nicht verwendet werden" not in taken.text


def change_address(user_agent, account_id, email):
    return user_agent.submit(f"/administration/benutzer/{account_id}/e-mail", {"email": email, "email_repeat": email})


def same_page(response, address):
    """The page with the address entered (and the per-session form token) left out."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.text.replace(address, "ADRESSE"))


@pytest.mark.parametrize("active", [True, False])
def test_a_users_address_changed_to_a_taken_one_is_answered_like_a_free_one(app, user_agent, mailbox, muster,
                                                                             active):
    first = add_member(app, muster.organisation_id, "eins@muster.example", active=active)
    second = add_member(app, muster.organisation_id, "zwei@muster.example", active=active)
    free = change_address(user_agent, first, "frei@example.org")
    taken = change_address(user_agent, second, CITIZEN)
    assert taken.status_code == free.status_code == 200
    assert same_page(taken, CITIZEN).replace("zwei@", "eins@").replace(second, first) == \
        same_page(free, "frei@example.org")
    mailbox.wait_for(CITIZEN, "für ein anderes Servicekonto angegeben")
    assert [s for s in mails_to(mailbox, CITIZEN) if "angegeben" not in s] == []
    with app.app_context():
        assert db.session.get(Account, second).email == "zwei@muster.example"
    assert holders(app, CITIZEN)[0][1] == "citizen"


def test_the_limit_of_a_pending_users_address_change_counts_taken_and_free_alike(app, user_agent, mailbox, muster):
    pending = add_member(app, muster.organisation_id, "eins@muster.example", active=False)
    for n in range(request_limits.PER_SOURCE - 1):
        assert change_address(user_agent, pending, f"neu{n}@muster.example").status_code == 200
    assert change_address(user_agent, pending, CITIZEN).status_code == 200
    taken, free = change_address(user_agent, pending, ELSEWHERE), change_address(user_agent, pending, "frei@x.example")
    assert taken.status_code == free.status_code == 400
    assert EXCEEDED in taken.text and EXCEEDED in free.text
