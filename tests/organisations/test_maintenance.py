"""`servicekonto purge` for organisations: registrations by a first administrator go
after 24 h without activation, users invited by an administrator after 14 days."""
from __future__ import annotations

from datetime import timedelta

from idp import timeutil
from idp.accounts.models import Account
from idp.extensions import db
from idp.maintenance import purge_expired
from idp.organisations.models import Organisation
from tests.organisations.support import add_member, make_organisation


def exists(app, model, key) -> bool:
    with app.app_context():
        return db.session.get(model, key) is not None


def purge(app) -> dict[str, int]:
    with app.app_context():
        return purge_expired()


def test_an_unactivated_organisation_goes_with_its_administrator_after_24_hours(app):
    pending = make_organisation(app, status="pending")
    active = make_organisation(app, name="Aktiv AG", admin_email="chefin@aktiv.example")

    timeutil.travel(timedelta(hours=23, minutes=59))
    assert purge(app)["unactivated organisation accounts"] == 0
    assert exists(app, Organisation, pending.organisation_id) and exists(app, Account, pending.admin_id)

    timeutil.travel(timedelta(hours=24, minutes=1))
    assert purge(app)["unactivated organisation accounts"] == 1
    assert not exists(app, Organisation, pending.organisation_id)
    assert not exists(app, Account, pending.admin_id)
    assert exists(app, Organisation, active.organisation_id) and exists(app, Account, active.admin_id)


def test_an_invited_user_goes_after_14_days_not_after_24_hours(app, make_account):
    org = make_organisation(app)
    invited = add_member(app, org.organisation_id, "neu@muster.example", active=False)
    active_user = add_member(app, org.organisation_id, "aktiv@muster.example")
    with app.app_context():
        citizen = Account(email="anna@example.org", email_normalized="anna@example.org", status="pending")
        db.session.add(citizen)
        db.session.commit()
        citizen_id = citizen.id

    timeutil.travel(timedelta(days=1, hours=1))
    counts = purge(app)
    assert (counts["unactivated accounts"], counts["unactivated organisation accounts"]) == (1, 0)
    assert not exists(app, Account, citizen_id)
    assert exists(app, Account, invited)

    timeutil.travel(timedelta(days=13, hours=23))
    assert purge(app)["unactivated organisation accounts"] == 0
    timeutil.travel(timedelta(days=14, minutes=1))
    assert purge(app)["unactivated organisation accounts"] == 1
    assert not exists(app, Account, invited)
    for kept in (org.admin_id, active_user):
        assert exists(app, Account, kept)
    assert exists(app, Organisation, org.organisation_id)


def test_an_organisation_account_without_organisation_goes_after_24_hours(app):
    with app.app_context():
        orphan = Account(email="rest@muster.example", email_normalized="rest@muster.example",
                         kind="organisation", status="pending")
        db.session.add(orphan)
        db.session.commit()
        orphan_id = orphan.id
    timeutil.travel(timedelta(hours=24, minutes=1))
    assert purge(app)["unactivated organisation accounts"] == 1
    assert not exists(app, Account, orphan_id)
