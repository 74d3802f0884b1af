"""A synchronisation keeps the person an account is confirmed for (idp/accounts/profile.py
`other_person`): a card of someone else — another birth date — changes nothing, and
the owner's own card, after a move, brings the new address in."""
from __future__ import annotations

from dataclasses import replace

import pytest

from eid_connector import EidAttributes
from idp.accounts import plus
from idp.accounts.profile import OTHER_PERSON
from idp.accounts.models import Account
from idp.authn import eid
from idp.extensions import db
from idp.loa import Level

ERIKA = EidAttributes(given_name="Erika", family_name="Mustermann", birth_date="12.08.1964",
                      place_of_birth="Berlin", street="Heidestraße", house_number="17", postal_code="51147",
                      city="Köln", country="D", nationality="D", restricted_id="aa" * 32)


@pytest.fixture
def erika(app_ctx, make_account):
    account = db.session.get(Account, make_account())
    assert plus.take_card(account, ERIKA) is None  # the upgrade: now Servicekonto Plus
    return account


def reloaded(account: Account) -> Account:
    db.session.expire_all()
    return db.session.get(Account, account.id)


def test_the_owners_new_card_after_a_move_synchronises(erika):
    moved = replace(ERIKA, street="Lindenallee", house_number="3", restricted_id="bb" * 32)
    assert plus.take_card(erika, moved) is None
    account = reloaded(erika)
    assert account.value("street") == "Lindenallee" and account.attribute("street").level == Level.HOCH
    assert eid.account_for_pseudonym("bb" * 32) == account.id


def test_someone_elses_card_changes_nothing(erika):
    other = EidAttributes(given_name="Max", family_name="Mustermann", birth_date="01.02.1990", city="Bonn",
                          restricted_id="cc" * 32)
    assert plus.take_card(erika, other) == OTHER_PERSON
    account = reloaded(erika)
    assert (account.value("given_name"), account.value("birth_date"), account.value("city")) == \
        ("Erika", "12.08.1964", "Köln")
    assert eid.account_for_pseudonym("cc" * 32) is None
    assert eid.account_for_pseudonym("aa" * 32) == account.id


def test_a_self_entered_birth_date_is_what_the_upgrade_corrects(app_ctx, make_account):
    account = db.session.get(Account, make_account())
    account.set_attribute("birth_date", "13.08.1964", Level.NIEDRIG, "self")  # a typo at registration
    db.session.commit()
    assert plus.take_card(account, ERIKA) is None
    assert reloaded(account).value("birth_date") == "12.08.1964"
