"""Alembic, driven from the application so `servicekonto db upgrade` needs no
alembic.ini next to it."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def model_metadata():
    """The metadata of every table the application owns. Importing the model
    modules registers their tables; this is the one list of them."""
    import idp.accounts.models  # noqa: F401
    import idp.audit.models  # noqa: F401
    import idp.authn.backchannel  # noqa: F401
    import idp.authn.devices  # noqa: F401
    import idp.authn.eid  # noqa: F401
    import idp.authn.sessions  # noqa: F401
    import idp.authn.throttle  # noqa: F401
    import idp.consent.releases  # noqa: F401
    import idp.mail.outbox  # noqa: F401
    import idp.oidc.models  # noqa: F401
    import idp.operations.models  # noqa: F401
    import idp.organisations.models  # noqa: F401
    import idp.postfach.models  # noqa: F401
    import elster_connector.models  # noqa: F401
    import wallet_connector.models  # noqa: F401
    import federation.models  # noqa: F401
    from idp.extensions import db

    return db.metadata


def alembic_config(app) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["flask_app"] = app
    return config


def upgrade(app, revision: str = "head") -> None:
    with app.app_context():
        command.upgrade(alembic_config(app), revision)


def autogenerate(app, message: str, rev_id: str | None = None) -> None:
    """Write a new revision from the difference between the models and the database
    (for developers: run against a database at the current head)."""
    with app.app_context():
        command.revision(alembic_config(app), message=message, autogenerate=True, rev_id=rev_id)
