"""Every broken or refused answer of the wallet gets its own German message, the trip
is kept and a new try (a fresh request) can succeed; answers that do not belong to
the trip leave it alone."""
from __future__ import annotations

import pytest
from markupsafe import escape

from tests.conftest import csrf_from
from wallet_connector.messages import MESSAGES
from wallet_connector.simulator import ADULT, EXPIRED, REVOKED

from .support import DEFECT_REASONS, path_of, start


def shows(page, reason: str) -> bool:
    return str(escape(MESSAGES[reason])) in page.text


def try_again(user_agent, trip):
    page = user_agent.get(trip.path)
    return user_agent.post(trip.path + "/erneut", data={"csrf_token": csrf_from(page.text)})


def test_each_reason_has_its_own_message_for_the_defects():
    assert len({str(MESSAGES[reason]) for reason in DEFECT_REASONS.values()}) == len(DEFECT_REASONS)


@pytest.mark.parametrize("defect", list(DEFECT_REASONS), ids=lambda defect: defect.value)
def test_a_broken_answer_is_refused_with_its_message_and_the_flow_is_kept(app, user_agent, holder, make_account,
                                                                          link_pid, defect):
    link_pid(make_account(), ADULT)
    trip = start(user_agent)
    back = user_agent.get(path_of(holder.answer(trip.same_device_link, defect=defect).json["redirect_uri"]))
    assert back.status_code == 400 and shows(back, DEFECT_REASONS[defect])

    again = try_again(user_agent, trip)
    assert again.status_code == 302
    retried = start_page_links(user_agent, trip)
    done = user_agent.get(path_of(holder.answer(retried, ADULT).json["redirect_uri"]))
    assert done.status_code == 302 and done.headers["Location"].endswith("/mein-bereich")


def start_page_links(user_agent, trip) -> str:
    from .support import links_on

    page = user_agent.get(trip.path)
    assert page.status_code == 200 and "Wallet öffnen" in page.text
    return links_on(page.text)[0]


@pytest.mark.parametrize("pid_id, reason", [(REVOKED, "revoked"), (EXPIRED, "expired")])
def test_a_revoked_or_expired_pid_is_refused(app, user_agent, holder, pid_id, reason):
    trip = start(user_agent)
    holder.answer(trip.cross_device_link, pid_id)
    assert user_agent.get(trip.path + "/status").json == {"status": "refused"}
    page = user_agent.get(trip.path)
    assert page.status_code == 400 and shows(page, reason)


def test_declining_in_the_wallet_is_explained(app, user_agent, holder):
    trip = start(user_agent)
    answer = holder.decline(trip.same_device_link)
    assert answer.status_code == 200
    page = user_agent.get(path_of(answer.json["redirect_uri"]))
    assert page.status_code == 400 and shows(page, "declined")


def test_answers_that_do_not_belong_to_the_trip_leave_it_waiting(app, user_agent, holder):
    trip = start(user_agent)
    request = holder.fetch(trip.cross_device_link)
    for form in ({"response": "not-a-jwe"}, {"error": "access_denied", "state": "another"}, {}):
        answer = holder.post(request, form)
        assert answer.status_code == 400 and answer.json["error"] == "invalid_request"
    assert user_agent.get(trip.path + "/status").json == {"status": "waiting"}
    assert holder.client.post("/wallet/antwort/unknown", data={"response": "x"}).status_code == 400
    assert holder.client.get("/wallet/anfrage/unknown/anderes-geraet").status_code == 404
    assert holder.client.get(f"/wallet/anfrage/{trip.id}/elsewhere").status_code == 404
