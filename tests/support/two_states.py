"""Two instances of this IdP as Land A and Land B, as `make run` starts them, but on
free ports with temporary databases and keys, served from threads; `served` gives one
such instance for tests that must not touch the session app."""
from __future__ import annotations

import secrets
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from idp import create_app
from idp.config import Settings
from idp.devserver import LAND_A_NAME, land_b_settings
from idp.extensions import db
from idp.migrate import upgrade
from tests.conftest import free_port


@contextmanager
def served(settings: Settings):
    """One instance of this IdP on its issuer's port, with its database migrated."""
    app = create_app(settings)
    upgrade(app)
    server = make_server("127.0.0.1", int(settings.issuer.rsplit(":", 1)[1]), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield app
    finally:
        server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def state_settings(tmp_path: Path, display_name: str = LAND_A_NAME) -> Settings:
    """Settings of a throwaway instance: free port, database and keys under tmp_path."""
    return Settings.from_env(
        {}, issuer=f"http://127.0.0.1:{free_port()}", display_name=display_name,
        database_url=f"sqlite:///{tmp_path / 'instance' / 'servicekonto.db'}", secret_key=secrets.token_urlsafe(32),
        keys_dir=tmp_path / "keys", instance_dir=tmp_path / "instance", argon2_time_cost=1, argon2_memory_cost=1024,
        testing=True)


@contextmanager
def two_states(tmp_path: Path):
    """Yields (app_a, app_b), both listening; not yet partners of each other."""
    settings_a = state_settings(tmp_path)
    with served(settings_a) as app_a, served(land_b_settings(settings_a, free_port())) as app_b:
        yield app_a, app_b
