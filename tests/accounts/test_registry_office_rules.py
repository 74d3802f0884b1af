"""The rules of the upgrade at the registration office that the browser journeys do
not cover: no Servicekonto Plus under 16 (for the citizen's request and again at the
clerk's decision), and the clerk works only after a login at `hoch`."""
from __future__ import annotations

from datetime import date

import pytest

from idp import timeutil
from idp.accounts import upgrade
from idp.accounts.models import Account, EidLink, UpgradeRequest
from idp.extensions import db
from idp.loa import Level
from tests.support.sessions import log_in_at_level

CLERK = "sachbearbeitung@meldeamt.example"
ADDRESS = {"street": "Heidestraße", "house_number": "17", "postal_code": "51147", "city": "Köln"}
STEP_UP = "Anmeldung mit Online-Ausweisfunktion erforderlich"


def birth_date_years_ago(years: int, days_later: int = 0) -> str:
    """Whoever was born then turns `years` today (or `days_later` days from today)."""
    today = timeutil.utcnow().date()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February: the birthday of 28 February has come too
        born = date(today.year - years, 2, 28)
    return date.fromordinal(born.toordinal() + days_later).strftime("%d.%m.%Y")


@pytest.fixture
def clerk(app, make_account):
    account_id = make_account(email=CLERK, given_name="Sabine", family_name="Amt")
    with app.app_context():
        db.session.get(Account, account_id).role = upgrade.ROLE
        db.session.commit()
    return account_id


def ask(user_agent, birth_date: str):
    return user_agent.submit("/mein-bereich/upgrade/meldebehoerde", {"birth_date": birth_date, **ADDRESS})


@pytest.mark.parametrize("birth_date", [
    birth_date_years_ago(15),
    birth_date_years_ago(16, days_later=1),      # 16 tomorrow
    "00.00." + str(timeutil.utcnow().year - 16),  # 16 only by 31 December at the latest
])
def test_under_16_cannot_ask_for_plus(user_agent, make_account, birth_date):
    make_account()
    user_agent.login()
    r = ask(user_agent, birth_date)
    assert r.status_code == 400
    assert str(upgrade.TOO_YOUNG) in r.text
    assert f'value="{birth_date}"' in r.text  # what was entered is kept
    assert str(upgrade.TOO_YOUNG) in r.text.split('id="birth_date-fehler"', 1)[1][:400]


def test_16_today_may_ask(user_agent, make_account):
    make_account()
    user_agent.login()
    r = ask(user_agent, birth_date_years_ago(16))
    assert r.status_code == 200 and "Antrag gestellt" in r.text


def test_clerk_cannot_confirm_a_person_under_16(app, make_account, clerk):
    citizen = make_account()
    with app.app_context():
        case = UpgradeRequest(id="MB-JUNG2345", account_id=citizen, data={
            "given_name": "Jonas", "family_name": "Mustermann", "birth_date": birth_date_years_ago(15), **ADDRESS})
        db.session.add(case)
        db.session.commit()
        with pytest.raises(upgrade.UpgradeError, match="jünger als 16"):
            upgrade.confirm("MB-JUNG2345", db.session.get(Account, clerk), document_checked=True)
        assert db.session.get(UpgradeRequest, "MB-JUNG2345").status == "open"
        assert db.session.get(Account, citizen).identity_level == Level.NIEDRIG


def _open_case(app, citizen: str) -> str:
    with app.app_context():
        result = upgrade.request_upgrade(db.session.get(Account, citizen),
                                         {"birth_date": "24.12.1980", **ADDRESS})
        return result.request.id


def test_clerk_logged_in_by_password_gets_the_step_up_page(app, user_agent, make_account, clerk):
    case_number = _open_case(app, make_account())
    user_agent.login(email=CLERK)
    for path in ("/meldebehoerde", f"/meldebehoerde/vorgang/{case_number}"):
        r = user_agent.get(path)
        assert r.status_code == 403 and STEP_UP in r.text, path
        assert "Heidestraße" not in r.text
    # No eID login set up yet: the upgrade sets it up.
    assert "Upgrade starten" in r.text
    decided = user_agent.post(f"/meldebehoerde/vorgang/{case_number}",
                              data={"decision": "bestaetigen", "document_checked": "ja"})
    assert decided.status_code in (400, 403)
    with app.app_context():
        assert db.session.get(UpgradeRequest, case_number).status == "open"


def test_clerk_with_the_id_card_set_up_is_offered_the_eid_login(app, user_agent, clerk):
    with app.app_context():
        db.session.add(EidLink(account_id=clerk, pseudonym_digest="f" * 64))
        db.session.commit()
    user_agent.login(email=CLERK)
    r = user_agent.get("/meldebehoerde")
    assert r.status_code == 403
    assert 'href="/anmelden/eid?next=/meldebehoerde"' in r.text


def test_clerk_at_hoch_decides(app, user_agent, make_account, clerk):
    case_number = _open_case(app, make_account())
    log_in_at_level(app, user_agent, clerk, Level.HOCH)
    assert user_agent.get("/meldebehoerde").status_code == 200
    r = user_agent.submit(f"/meldebehoerde/vorgang/{case_number}", {"decision": "bestaetigen",
                                                                     "document_checked": "ja"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(UpgradeRequest, case_number).status == "confirmed"


def test_a_citizen_at_hoch_is_still_no_clerk(app, user_agent, make_account):
    log_in_at_level(app, user_agent, make_account(), Level.HOCH)
    r = user_agent.get("/meldebehoerde")
    assert r.status_code == 403 and "Kein Zugriff" in r.text
