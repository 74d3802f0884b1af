"""`servicekonto purge` empties the Papierkorb: a Vorgang that lies there for more than
30 days is deleted with its messages and attachments; one that was restored once is
never taken, even when it is thrown away again."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from idp import timeutil
from idp.accounts.models import Account
from idp.extensions import db
from idp.maintenance import purge_expired
from idp.postfach import case as cases
from idp.postfach import folders
from idp.postfach.models import Attachment, Case, Message
from tests.postfach.pages_support import add_service, bescheid, send


@pytest.fixture
def citizen(app_ctx, make_account):
    account_id = make_account()
    box = folders.Box(f"konto:{account_id}", "Mein Postfach")
    return {"box": box, "viewer": folders.Viewer(db.session.get(Account, account_id), [box]), "id": account_id,
            "service": add_service()}


def thrown_away(citizen, reference: str, days_ago: int, restored: bool = False) -> str:
    """A Vorgang read and moved to the Papierkorb `days_ago` days ago."""
    timeutil.travel(timedelta(days=-days_ago - (2 if restored else 0)))
    case = db.session.get(Case, send(citizen["service"], account_id=citizen["id"], reference=reference,
                                     attachments=(bescheid(),)).case_id)
    cases.open_case(citizen["viewer"], citizen["box"], case)
    assert cases.trash(citizen["viewer"], citizen["box"], case) is None
    if restored:
        timeutil.travel(timedelta(days=-days_ago - 1))
        assert cases.restore(citizen["viewer"], citizen["box"], case) is None
        timeutil.travel(timedelta(days=-days_ago))
        assert cases.trash(citizen["viewer"], citizen["box"], case) is None
    timeutil.travel(None)
    return case.id


def remaining() -> set[str]:
    return set(db.session.scalars(select(Case.reference)))


def test_the_papierkorb_is_emptied_after_30_days_except_what_was_restored(citizen):
    thrown_away(citizen, "31 Tage", 31)
    thrown_away(citizen, "29 Tage", 29)
    thrown_away(citizen, "wiederhergestellt", 40, restored=True)
    send(citizen["service"], account_id=citizen["id"], reference="im Eingang")

    counts = purge_expired()

    assert counts["Postfach trash"] == 1
    assert remaining() == {"29 Tage", "wiederhergestellt", "im Eingang"}
    # The messages and attachments of the purged Vorgang went with it.
    assert db.session.scalar(select(func.count(Message.id))) == 3
    assert db.session.scalar(select(func.count(Attachment.id))) == 2


def test_the_29_day_old_one_goes_once_it_is_over_30(citizen):
    thrown_away(citizen, "29 Tage", 29)
    timeutil.travel(timedelta(days=2))
    purge_expired()
    assert remaining() == set()
