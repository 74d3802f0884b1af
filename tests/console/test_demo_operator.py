"""`make run`'s operator: created once, linked to a test card of the eID simulators,
an operator; a restart changes nothing, and a card that belongs to someone else is
left alone."""
from __future__ import annotations

from sqlalchemy import select

from idp.accounts.models import Account
from idp.authn import eid
from idp.devserver import DEMO_OPERATOR_CARD, DEMO_OPERATOR_EMAIL, demo_operator
from idp.extensions import db
from idp.operations import operators


def test_the_demo_operator_is_made_once_and_holds_the_card(app, eid_simulators, make_account):
    assert demo_operator(app, eid_simulators) == "Ludwig Mustermann (Personalausweis, ohne Wohnsitz in Deutschland)"
    assert demo_operator(app, eid_simulators) is not None
    with app.app_context():
        [account] = db.session.scalars(select(Account).where(Account.email == DEMO_OPERATOR_EMAIL))
        assert operators.is_operator(account.id) and account.is_active
        assert eid.account_for_pseudonym(eid_simulators.pseudonym(DEMO_OPERATOR_CARD)) == account.id
        assert account.value("family_name") == "MUSTERMANN"
        db.session.delete(account)
        db.session.commit()

    # A developer registered with that card already: that account keeps it.
    holder = make_account(email="ludwig@example.org")
    with app.app_context():
        eid.link(db.session.get(Account, holder), eid_simulators.pseudonym(DEMO_OPERATOR_CARD))
        db.session.commit()
    assert demo_operator(app, eid_simulators) is None
    with app.app_context():
        assert eid.account_for_pseudonym(eid_simulators.pseudonym(DEMO_OPERATOR_CARD)) == holder
        assert operators.all_operators() == []
