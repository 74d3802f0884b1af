"""`servicekonto dev`: the IdP and the demo online service on 127.0.0.1, for a
newcomer's first look. Not a production server (use wsgi.py behind a real one)."""
from __future__ import annotations

import dataclasses
import logging
import threading

from sqlalchemy import select
from werkzeug.serving import make_server

from . import create_app
from .config import Settings
from .authn.eid import install_simulators
from .extensions import db
from .mail.worker import start_worker

DEMO_NAME = "Demo-Online-Dienst"
# eID simulators (SERVICEKONTO_SIMULATORS=1 only); the eID-Client simulator takes the
# AusweisApp's port 24727.
EID_SERVER_SIMULATOR_PORT = 5002


def _demo_client(app, demo_url: str):
    """The demo's client, re-created each start so its secret is known here only."""
    from .clients import add_client
    from .oidc.models import Client

    with app.app_context():
        for old in db.session.scalars(select(Client).where(Client.name == DEMO_NAME)):
            db.session.delete(old)
        db.session.commit()
        client, secret = add_client(DEMO_NAME, [demo_url + "/callback"],
                                    post_logout_redirect_uris=[demo_url + "/"])
        return client.client_id, secret


def run(port: int, demo_port: int) -> int:
    # Request lines carry one-time secrets (activation links, codes): not for the log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from demo.app import create_demo_app

    settings = Settings.from_env()
    simulators = _start_eid_simulators(settings)
    if simulators is not None:
        settings = dataclasses.replace(settings, eid_client_url=simulators.eid_client_url)
    app = create_app(settings)
    if simulators is not None:
        install_simulators(app, simulators)
    demo_url = f"http://127.0.0.1:{demo_port}"
    client_id, secret = _demo_client(app, demo_url)
    start_worker(app)
    demo = create_demo_app(settings.issuer, client_id, secret, demo_url)

    idp_server = make_server("127.0.0.1", port, app, threaded=True)
    demo_server = make_server("127.0.0.1", demo_port, demo, threaded=True)
    threading.Thread(target=demo_server.serve_forever, daemon=True).start()
    print(f"Servicekonto (IdP):      {settings.issuer}/", flush=True)
    print(f"Demo-Online-Dienst:      {demo_url}/", flush=True)
    if not settings.smtp_url:
        print(f"E-Mails (Postausgang):   {settings.issuer}/entwicklung/postausgang", flush=True)
    if simulators is not None:
        print(f"eID-Server-Simulator:    {simulators.eid_server_url}", flush=True)
        print(f"eID-Client-Simulator:    {simulators.eid_client.url}/ (Testausweise, PIN 123456)", flush=True)
    print("Stop with Ctrl+C.", flush=True)
    try:
        idp_server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        demo_server.shutdown()
        if simulators is not None:
            simulators.stop()
    return 0


def _start_eid_simulators(settings: Settings):
    """Both eID simulators on 127.0.0.1, only in development; None if not started."""
    if not settings.simulators or settings.is_production:
        return None
    from eid_connector.simulator.run import start_simulators

    try:
        return start_simulators(EID_SERVER_SIMULATOR_PORT, keys_dir=settings.keys_dir / "eid-simulator")
    except OSError as exc:
        # Typically a running AusweisApp holds 24727; the IdP runs on without simulators.
        print(f"eID-Simulatoren nicht gestartet (Port belegt? läuft die AusweisApp?): {exc}", flush=True)
        return None
