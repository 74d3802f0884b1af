"""`servicekonto purge` removes expired reset and change links and old release
records, and keeps what is still valid."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from idp import timeutil
from idp.accounts import links
from idp.accounts.models import Account, EmailLink
from idp.consent import releases
from idp.extensions import db
from idp.loa import Level
from idp.maintenance import purge_expired


def _purposes() -> list[str]:
    return sorted(db.session.scalars(select(EmailLink.purpose)))


def test_purge_removes_expired_reset_and_change_links(app_ctx, make_account):
    account = db.session.get(Account, make_account())
    links.issue_link(account, "password_reset", timedelta(hours=1))
    links.issue_link(account, "email_change", timedelta(hours=24), payload={"email": "neu@example.org"})
    db.session.commit()

    timeutil.travel(timedelta(minutes=59))
    purge_expired()
    assert _purposes() == ["email_change", "password_reset"]

    timeutil.travel(timedelta(hours=2))
    purge_expired()
    assert _purposes() == ["email_change"]

    timeutil.travel(timedelta(hours=25))
    purge_expired()
    assert _purposes() == []


def test_purge_removes_release_records_after_a_year(app_ctx, make_account, make_client):
    from idp.oidc.models import Client

    account_id = make_account()
    client = db.session.get(Client, make_client().client_id)
    releases.record(account_id, client, ["sub", "email"], Level.NIEDRIG)
    db.session.commit()
    timeutil.travel(timedelta(days=200))
    releases.record(account_id, client, ["sub"], Level.NIEDRIG)
    db.session.commit()

    timeutil.travel(releases.RETENTION + timedelta(days=1))
    counts = purge_expired()
    assert counts["data releases"] == 1
    assert [r.claims for r in releases.history(account_id)] == [["sub"]]


def test_purge_removes_decided_upgrade_cases_after_30_days_and_lapsed_ones_after_90(app_ctx, make_account):
    from idp.accounts import upgrade
    from idp.accounts.models import UpgradeRequest

    citizen = db.session.get(Account, make_account())
    other = db.session.get(Account, make_account(email="max@example.org"))
    clerk = db.session.get(Account, make_account(email="amt@example.org"))
    form = {"birth_date": "24.12.1980", "street": "Heidestraße", "house_number": "1", "postal_code": "51147",
            "city": "Köln"}
    decided = upgrade.request_upgrade(citizen, form).request.id
    upgrade.refuse(decided, clerk, "Ausweis abgelaufen.")
    lapsing = upgrade.request_upgrade(other, form).request.id

    timeutil.travel(timedelta(days=29))
    purge_expired()
    assert {r.id for r in db.session.scalars(select(UpgradeRequest))} == {decided, lapsing}
    timeutil.travel(timedelta(days=31))
    purge_expired()
    assert {r.id for r in db.session.scalars(select(UpgradeRequest))} == {lapsing}
    assert upgrade.find_open(lapsing) == [db.session.get(UpgradeRequest, lapsing)]
    timeutil.travel(timedelta(days=91))
    assert upgrade.find_open(lapsing) == []
    purge_expired()
    assert db.session.scalars(select(UpgradeRequest)).all() == []
