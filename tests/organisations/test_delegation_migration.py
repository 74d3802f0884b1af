"""Migration 0021: the Vertretung record kept until now as German sentences becomes
codes with what they concern, and back on a downgrade; a sentence of no known kind
stays as it is (the page shows it unchanged)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command
from flask import Flask

from idp.accounts.models import Account
from idp.extensions import db
from idp.migrate import alembic_config
from idp.organisations.models import Delegation, Organisation
from tests.support.databases import empty_database

SENTENCES = ["Vertretung übernommen", "Anmeldung beim Online-Dienst „Gewerbeanmeldung“",
             "Vorgang „Lohnsteuer „März““ gelesen", "Antwort im Vorgang „Umsatzsteuer“ gesendet",
             "Vorgang „Umsatzsteuer“ in den Papierkorb verschoben", "Vorgang „Umsatzsteuer“ wiederhergestellt",
             "Vorgang „Umsatzsteuer“ heruntergeladen", "Vertretung beendet", "Etwas ganz anderes"]
CODES = [("taken_up", None), ("logged_in", "Gewerbeanmeldung"), ("case_read", "Lohnsteuer „März“"),
         ("case_replied", "Umsatzsteuer"), ("case_trashed", "Umsatzsteuer"), ("case_restored", "Umsatzsteuer"),
         ("case_downloaded", "Umsatzsteuer"), ("given_up", None), ("Etwas ganz anderes", None)]


def _record_as_of_0020() -> None:
    organisation = Organisation(name="Muster GmbH", street="Hafenstraße", house_number="1", postal_code="20459",
                                city="Hamburg")
    people = [Account(email=f"{name}@muster.example", email_normalized=f"{name}@muster.example",
                      kind="organisation") for name in ("uwe", "karla")]
    db.session.add_all([organisation, *people])
    db.session.flush()
    delegation = Delegation(organisation_id=organisation.id, principal_id=people[0].id, deputy_id=people[1].id,
                            starts_on=date(2026, 12, 1))
    db.session.add(delegation)
    db.session.flush()
    for number, sentence in enumerate(SENTENCES, 1):
        db.session.execute(sa.text("INSERT INTO organisation_delegation_event (id, delegation_id, at, action) "
                                   "VALUES (:id, :delegation, :at, :action)"),
                           {"id": number, "delegation": delegation.id, "at": "2026-12-01 10:00:00",
                            "action": sentence})
    db.session.commit()
    db.session.remove()


def _events(*columns: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(
            f"SELECT {', '.join(columns)} FROM organisation_delegation_event ORDER BY id"))]


def test_recorded_sentences_become_codes_and_back(database_url, tmp_path):
    with empty_database(database_url, tmp_path) as url:
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = url
        db.init_app(app)
        config = alembic_config(app)
        with app.app_context():
            try:
                command.upgrade(config, "0020")
                _record_as_of_0020()

                command.upgrade(config, "0021")
                assert _events("action", "subject") == CODES

                command.downgrade(config, "0020")
                assert _events("action") == [(sentence,) for sentence in SENTENCES]
            finally:
                db.session.remove()
                db.engine.dispose()
