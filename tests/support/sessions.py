"""A login session as a login back end of a given level would leave it (eID: hoch),
put into a test client's cookie without going through the back end."""
from __future__ import annotations

from idp.authn import sessions
from idp.extensions import db
from idp.loa import Level


def log_in_at_level(app, user_agent, account_id: str, level: Level) -> None:
    with app.app_context():
        _, secret = sessions.create(account_id, level, "eid" if level is Level.HOCH else "password",
                                    ("hwk", "pin") if level is Level.HOCH else ("pwd",))
        db.session.commit()
    with user_agent.client.session_transaction() as cookie:
        cookie["login"] = secret
