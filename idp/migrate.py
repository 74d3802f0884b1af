"""Alembic, driven from the application so `servicekonto db upgrade` needs no
alembic.ini next to it."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


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
