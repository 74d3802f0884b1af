"""Two instances of this IdP as Land A and Land B, as `make run` starts them, but on
free ports with temporary databases and keys, served from threads."""
from __future__ import annotations

import secrets
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from idp import create_app
from idp.config import Settings
from idp.devserver import LAND_A_NAME, land_b_settings, own_cookies
from idp.extensions import db
from idp.migrate import upgrade
from tests.conftest import free_port


def _served(settings: Settings, *, land_b: bool = False):
    app = create_app(settings)
    if land_b:
        own_cookies(app)
    upgrade(app)
    server = make_server("127.0.0.1", int(settings.issuer.rsplit(":", 1)[1]), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


@contextmanager
def two_states(tmp_path: Path):
    """Yields (app_a, app_b), both listening; not yet partners of each other."""
    settings_a = Settings.from_env(
        {}, issuer=f"http://127.0.0.1:{free_port()}", display_name=LAND_A_NAME,
        database_url=f"sqlite:///{tmp_path / 'instance' / 'servicekonto.db'}", secret_key=secrets.token_urlsafe(32),
        keys_dir=tmp_path / "keys", instance_dir=tmp_path / "instance", argon2_time_cost=1, argon2_memory_cost=1024,
        testing=True)
    served = [_served(settings_a), _served(land_b_settings(settings_a, free_port()), land_b=True)]
    try:
        yield served[0][0], served[1][0]
    finally:
        for app, server in served:
            server.shutdown()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
