"""Betrieb → Protokoll: the audit log searched by address, kind of event, online
service and period, with German labels, in pages that keep the search."""
from __future__ import annotations

import re
from datetime import datetime

from idp import audit
from idp.extensions import db

PAGE = "/betrieb/protokoll"


def recorded(app, at: datetime, event: str, **fields) -> None:
    with app.app_context():
        entry = audit.record(event, **fields)
        entry.at = at
        db.session.commit()


def rows(html: str) -> list[str]:
    return re.findall(r'<tr[^>]* data-event="([^"]+)">', html)


def test_search_by_address_kind_service_and_period(app, console, make_account, make_client):
    erika = make_account()
    rp = make_client(name="Wohngeld")
    recorded(app, datetime(2026, 11, 2, 9), "login.succeeded", account_id=erika, client_id=rp.client_id,
             method="password", level="niedrig")
    recorded(app, datetime(2026, 11, 3, 9), "login.failed", succeeded=False, email="erika@example.org",
             method="password", reason="credentials")
    recorded(app, datetime(2026, 11, 4, 9), "account.registered", email="hans@example.org")

    everything = console.get(PAGE).text
    # Newest first: today's service added after the operator's own grant heads the list.
    assert rows(everything) == ["operator.client", "operator.role", "account.registered", "login.failed",
                                "login.succeeded"]
    assert "Rolle vergeben oder entzogen" in everything
    assert "Anmeldung erfolgreich" in everything and "Konto registriert" in everything
    assert "Anmeldung fehlgeschlagen <strong>(abgelehnt)</strong>" in everything

    assert rows(console.get(PAGE, query_string={"email": "Erika@Example.org"}).text) == [
        "login.failed", "login.succeeded"]
    assert rows(console.get(PAGE, query_string={"event": "login."}).text) == ["login.failed", "login.succeeded"]
    assert rows(console.get(PAGE, query_string={"event": "account.registered"}).text) == ["account.registered"]
    assert rows(console.get(PAGE, query_string={"client_id": rp.client_id}).text) == [
        "operator.client", "login.succeeded"]
    period = console.get(PAGE, query_string={"von": "03.11.2026", "bis": "2026-11-03"}).text
    assert rows(period) == ["login.failed"] and 'value="03.11.2026"' in period
    assert "1 Ereignis<" in period


def test_a_bad_period_is_refused_and_kept(console):
    r = console.get(PAGE, query_string={"von": "31.02.2026", "email": "erika@example.org"})
    assert r.status_code == 400
    assert "Bitte geben Sie ein Datum als TT.MM.JJJJ an." in r.text
    assert 'value="31.02.2026"' in r.text and 'value="erika@example.org"' in r.text
    r = console.get(PAGE, query_string={"von": "04.11.2026", "bis": "03.11.2026"})
    assert r.status_code == 400 and "Das Ende des Zeitraums liegt vor seinem Anfang." in r.text
    r = console.get(PAGE, query_string={"event": "gibt.es.nicht"})
    assert r.status_code == 400 and "Bitte wählen Sie eine der angebotenen Ereignisarten." in r.text


def test_pages_keep_the_search(app, console):
    with app.app_context():
        for n in range(55):
            entry = audit.record("login.failed", succeeded=False, email="erika@example.org", method="password",
                                 reason="credentials")
            entry.at = datetime(2026, 11, 1, 8, n)
        audit.record("account.registered", email="hans@example.org")
        db.session.commit()
    first = console.get(PAGE, query_string={"event": "login.failed"}).text
    assert len(rows(first)) == 50 and "Seite 1 von 2" in first and "08:54:00" in first
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "event=login.failed" in link
    second = console.get(link).text
    assert rows(second) == ["login.failed"] * 5 and "Seite 2 von 2" in second and "08:00:00" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
