"""A clerk of the registry office with a citizen's request for Servicekonto Plus
waiting, straight in the database (the pages that make them are tested in
tests/browser/test_registry_office.py)."""
from __future__ import annotations

from idp.accounts import upgrade
from idp.accounts.models import Account
from idp.extensions import db


def clerk_with_a_case(app, make_account) -> tuple[str, str]:
    """(clerk's account id, case number): max@example.org has asked for the upgrade,
    amt@example.org has the role Meldebehörde."""
    citizen = make_account(email="max@example.org")
    clerk = make_account(email="amt@example.org", given_name="Sabine", family_name="Amt")
    with app.app_context():
        db.session.get(Account, clerk).role = upgrade.ROLE
        case = upgrade.request_upgrade(db.session.get(Account, citizen), {
            "birth_date": "01.02.1980", "street": "Main Street", "house_number": "1", "postal_code": "12345",
            "city": "Town"}).request.id
        db.session.commit()
    return clerk, case
