"""The e-mail change form says nothing about whether an address has an account: the
answer, the pending change and the mail to the own address are the same for a free
and a taken address; the owner of a taken address is told that someone tried to use
it, and nothing of theirs changes."""
from __future__ import annotations

import re

import pytest

from tests.conftest import Browserless

FREE = "frei@example.org"
TAKEN = "belegt@example.org"


@pytest.fixture
def erika_and_max(user_agent, make_account):
    make_account()
    make_account(email=TAKEN, given_name="Max")
    user_agent.login()


def ask(user_agent, address: str):
    return user_agent.submit("/mein-bereich/e-mail", {"email": address, "email_repeat": address})


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_free_and_taken_addresses_get_the_same_answer(user_agent, erika_and_max, mailbox):
    free = ask(user_agent, FREE)
    free_pending = user_agent.get("/mein-bereich/e-mail")
    taken = ask(user_agent, "Belegt@Example.org")
    taken_pending = user_agent.get("/mein-bereich/e-mail")
    assert free.status_code == taken.status_code == 200
    assert "Bestätigung versendet" in taken.text
    assert _without_tokens(taken.text) == _without_tokens(free.text).replace(FREE, "Belegt@Example.org")
    assert _without_tokens(taken_pending.text) == _without_tokens(free_pending.text).replace(
        FREE, "Belegt@Example.org")


def test_owner_of_a_taken_address_is_told_and_keeps_it(user_agent, erika_and_max, mailbox):
    ask(user_agent, "Belegt@Example.org")
    notice = mailbox.wait_for("erika@example.org", "Änderung Ihrer E-Mail-Adresse beantragt")
    attempt = mailbox.wait_for(TAKEN, "für ein anderes Servicekonto angegeben")
    assert "Guten Tag Max" in attempt.body
    assert "wurde nicht übertragen" in attempt.body
    assert not attempt.links()
    assert "Erika" not in attempt.body and "erika@example.org" not in attempt.body
    assert notice.links() == []
    assert [m.to for m in mailbox.mails if m.to == [TAKEN]] == [[TAKEN]]
    holder = Browserless(user_agent.client.application)
    assert holder.login(email=TAKEN).status_code == 302


def test_a_free_address_still_gets_its_confirmation_link(user_agent, erika_and_max, mailbox):
    ask(user_agent, FREE)
    confirm = mailbox.wait_for(FREE, "Bestätigen Sie Ihre neue E-Mail-Adresse")
    assert confirm.links()
