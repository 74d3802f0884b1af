"""`servicekonto dev`: the IdP and the demo online service on 127.0.0.1, for a
newcomer's first look. Not a production server (use wsgi.py behind a real one).

A second instance plays another state, "Servicekonto Land B", federated with the
first ("Land A") over SAML both ways (TR-03160-2), so that logging in at Land A with
an account of Land B can be tried without a second machine."""
from __future__ import annotations

import dataclasses
import logging
import os
import threading

from sqlalchemy import select
from werkzeug.serving import make_server

from . import create_app
from .config import Settings
from .authn.eid import install_simulators
from .extensions import db
from .loa import Level
from .worker import start_worker
from .migrate import upgrade

DEMO_NAME = "Demo-Online-Dienst"
# eID simulators (SERVICEKONTO_SIMULATORS=1 only); the eID-Client simulator takes the
# AusweisApp's port 24727.
EID_SERVER_SIMULATOR_PORT = 5002
ELSTER_SIMULATOR_PORT = 5003
# The EUDI wallet simulator's pages (what "Wallet öffnen" and the QR code open).
WALLET_SIMULATOR_PORT = 5004
LAND_A_NAME = "Servicekonto Land A"
LAND_B_NAME = "Servicekonto Land B"
LAND_B_PORT = 5010
# Land A trusts Land B less than Land B trusts Land A, so the demo shows a partner's
# level being capped.
LAND_A_TRUSTS_B = Level.SUBSTANZIELL
LAND_B_TRUSTS_A = Level.HOCH


# Roles an organisation can give its users for the demo service (SPEC §6).
DEMO_ROLES = ("Sachbearbeitung", "Freigabe")
# Users log in at the demo (code flow); it posts into their Postfach with its own token.
DEMO_GRANTS = ("authorization_code", "client_credentials")


# The demo's entry in the catalogue "Online-Dienste" (SPEC §5); its start URL is the
# demo's address, which depends on the port.
DEMO_CATALOGUE = dict(
    description="Ein Beispiel-Online-Dienst zum Ausprobieren: Sie melden sich mit Ihrem Servicekonto an und sehen, "
                "welche Daten der Dienst erhält.",
    authority="Landesamt für Digitalisierung (Entwicklungsumgebung)",
    keywords=["Demo", "Beispiel", "Anmeldung", "Test"],
    fees="Gebührenfrei",
)


def _demo_client(app, demo_url: str):
    """The demo's client, re-created each start so its secret is known here only."""
    from .clients import add_client, catalogue_settings, rotate_secret
    from .oidc.models import SUPPORTED_SCOPES, Client

    catalogue = dict(DEMO_CATALOGUE, start_url=demo_url + "/")
    with app.app_context():
        existing = db.session.scalar(select(Client).where(Client.name == DEMO_NAME))
        if existing is not None:
            # Kept, not re-created: organisations' subscriptions and grants of it survive a
            # restart. A demo client from before organisations or the catalogue existed
            # learns them here.
            existing.audience, existing.roles = "both", list(DEMO_ROLES)
            existing.allowed_scopes = list(SUPPORTED_SCOPES)
            for name, value in catalogue_settings(**catalogue).items():
                setattr(existing, name, value)
            # A demo client from before the Postfach learns its own token for the message API.
            if "client_credentials" not in existing.grant_types:
                existing.grant_types = [*existing.grant_types, "client_credentials"]
            return existing.client_id, rotate_secret(existing)
        client, secret = add_client(DEMO_NAME, [demo_url + "/callback"], post_logout_redirect_uris=[demo_url + "/"],
                                    audience="both", roles=list(DEMO_ROLES), grants=list(DEMO_GRANTS),
                                    catalogue=catalogue)
        return client.client_id, secret


# The demo's operator (issue #14): logs in with this test card of the eID-Client
# simulator (level hoch) and finds the operator console "Betrieb".
DEMO_OPERATOR_EMAIL = "betrieb@servicekonto.example"
DEMO_OPERATOR_CARD = "ohne-wohnsitz"


def _demo_account(email: str):
    """The active demo account of `email` (made now if there is none) and whether it is new."""
    from .accounts.models import Account
    from .accounts.policy import normalize_email

    account = db.session.scalar(select(Account).where(Account.email_normalized == normalize_email(email)))
    if account is not None:
        return account, False
    account = Account(email=email, email_normalized=normalize_email(email), status="active")
    db.session.add(account)
    account.set_attribute("email", email, Level.NIEDRIG, "self")
    return account, True


def demo_operator(app, simulators) -> str | None:
    """Create the demo operator once, linked to DEMO_OPERATOR_CARD at the simulators;
    None (with a message) when that card already belongs to another account."""
    from eid_connector.personal_data import map_personal_data
    from eid_connector.simulator import cards

    from .authn import eid
    from .operations import operators

    with app.app_context():
        account, new = _demo_account(DEMO_OPERATOR_EMAIL)
        if new:
            eid.apply_card(account, map_personal_data(cards.card(DEMO_OPERATOR_CARD).data))
        # The simulators' keys may be new since the last start, and with them the pseudonym.
        refused = eid.link(account, simulators.pseudonym(DEMO_OPERATOR_CARD))
        if refused:
            db.session.rollback()
            return None
        db.session.commit()
        if not operators.is_operator(account.id):
            operators.grant(DEMO_OPERATOR_EMAIL)
        return cards.card(DEMO_OPERATOR_CARD).label


# A citizen whose Servicekonto Plus is linked to the wallet simulator's adult test PID:
# "Mit EUDI-Wallet" logs in without registering first.
DEMO_WALLET_EMAIL = "erika.wallet@servicekonto.example"


def demo_wallet_citizen(app, wallet) -> str | None:
    """Create (once) the demo citizen linked to the simulator's adult PID; the label of
    that PID, or None when the PID already belongs to another account."""
    from wallet_connector.backend import identifier
    from wallet_connector.pid import attributes
    from wallet_connector.simulator import ADULT

    from .accounts import wallet_links

    pid = wallet.simulator.wallet.pids[ADULT]
    with app.app_context():
        account, _new = _demo_account(DEMO_WALLET_EMAIL)
        db.session.flush()
        if wallet_links.take_pid(account, attributes(pid.claims), identifier(pid.claims)):
            return None
        return pid.label


def run(port: int, demo_port: int) -> int:
    # Request lines carry one-time secrets (activation links, codes): not for the log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from demo.app import create_demo_app

    settings = Settings.from_env(display_name=os.environ.get("SERVICEKONTO_NAME") or LAND_A_NAME)
    simulators = _start_eid_simulators(settings)
    if simulators is not None:
        settings = dataclasses.replace(settings, eid_client_url=simulators.eid_client_url)
    elster = _start_elster_simulator(settings)
    wallet = _start_wallet_simulator(settings)
    app = _instance(settings, simulators, elster, wallet)
    app_b = _land_b(settings, simulators, wallet)
    demo_url = f"http://127.0.0.1:{demo_port}"
    client_id, secret = _demo_client(app, demo_url)
    operator_card = demo_operator(app, simulators) if simulators is not None else None
    wallet_pid = demo_wallet_citizen(app, wallet) if wallet is not None else None
    demo = create_demo_app(settings.issuer, client_id, secret, demo_url)

    # Every server gets a thread: federating needs both IdPs answering at once.
    servers = [_serve(app, port), _serve(app_b, LAND_B_PORT), _serve(demo, demo_port)]
    try:
        _federate_or_warn(app, app_b)
        _print_addresses(settings, app_b.config["SERVICEKONTO"], demo_url, simulators, operator_card, elster,
                         wallet, wallet_pid)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.shutdown()
        if simulators is not None:
            simulators.stop()
        if elster is not None:
            elster.stop()
        if wallet is not None:
            wallet.stop()
    return 0


def land_b_settings(settings_a: Settings, port: int) -> Settings:
    """Land A's settings with Land B's own address, name, SQLite database and keys.
    The keys persist below Land A's (ignored like them), so after a restart the
    partners' metadata snapshots still name the right certificates."""
    instance_dir = settings_a.instance_dir / "land-b"
    return dataclasses.replace(
        settings_a, issuer=f"http://127.0.0.1:{port}", display_name=LAND_B_NAME,
        database_url=f"sqlite:///{instance_dir / 'servicekonto.db'}", instance_dir=instance_dir,
        keys_dir=settings_a.keys_dir / "land-b", secret_key="", cookie_name="servicekonto_land_b")


def _land_b(settings_a: Settings, simulators, wallet=None):
    app = _instance(land_b_settings(settings_a, LAND_B_PORT), simulators, wallet=wallet)
    upgrade(app)
    return app


def _instance(settings: Settings, simulators, elster=None, wallet=None):
    app = create_app(settings)
    if simulators is not None:
        install_simulators(app, simulators)
    if elster is not None and not settings.elster_metadata:
        from elster_connector.app import install_simulator

        install_simulator(app, elster)
    if wallet is not None:
        import wallet_connector.app

        wallet_connector.app.install_simulator(app, wallet)
    start_worker(app)
    return app


def _serve(app, port: int):
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def federate(app_a, app_b) -> None:
    """Make Land A and Land B SAML partners of each other by their metadata URLs.
    Both must be listening. After a restart the partners exist already; their
    metadata is fetched again (its validity moves on) and nothing else changes."""
    _trust(app_a, "Land B", app_b, LAND_A_TRUSTS_B)
    _trust(app_b, "Land A", app_a, LAND_B_TRUSTS_A)


def _trust(app, name: str, partner_app, max_level: Level) -> None:
    from federation import partners

    # The entity ID is the metadata URL (federation.app), so it finds the partner too.
    metadata_url = partner_app.extensions["servicekonto.federation"].entity_id
    with app.app_context():
        existing = partners.by_entity_id(metadata_url)
        if existing is None:
            partners.add(name, "saml", metadata_url, max_level)
        else:
            partners.refresh(existing)


def _federate_or_warn(app_a, app_b) -> None:
    from federation.partners import PartnerError

    try:
        federate(app_a, app_b)
    except PartnerError as exc:
        # Everything else still works; `servicekonto partners` can repair it by hand.
        print(f"Föderation Land A ↔ Land B nicht eingerichtet: {exc}", flush=True)


def _print_addresses(settings: Settings, settings_b: Settings, demo_url: str, simulators,
                     operator_card: str | None = None, elster=None, wallet=None, wallet_pid: str | None = None) -> None:
    rows = [(f"{settings.display_name} (IdP)", f"{settings.issuer}/"),
            ("Demo-Online-Dienst", f"{demo_url}/"),
            (settings_b.display_name, f"{settings_b.issuer}/ (mit Land A föderiert, SAML)")]
    if not settings.smtp_url:
        rows.append(("E-Mails (Postausgang)", f"{settings.issuer}/entwicklung/postausgang"))
        rows.append(("E-Mails Land B", f"{settings_b.issuer}/entwicklung/postausgang"))
    if simulators is not None:
        rows.append(("eID-Server-Simulator", simulators.eid_server_url))
        rows.append(("eID-Client-Simulator", f"{simulators.eid_client.url}/ (Testausweise, PIN 123456)"))
    if operator_card:
        rows.append(("Betrieb (Konsole)", f"{settings.issuer}/betrieb (Anmeldung mit Online-Ausweisfunktion, "
                                          f"Testausweis „{operator_card}“)"))
    elif simulators is not None:
        rows.append(("Betrieb (Konsole)", f"{settings.issuer}/betrieb (Demo-Betreiberkonto nicht eingerichtet: "
                                          "der Testausweis gehört schon einem anderen Konto)"))
    if elster is not None:
        rows.append(("ELSTER-Simulator", f"{elster.url}/ (Testzertifikate, „Mit ElsterID“)"))
    if wallet is not None:
        demo = f", Demo-Konto: „Mit EUDI-Wallet“ → Test-PID „{wallet_pid}“" if wallet_pid else ""
        rows.append(("EUDI-Wallet-Simulator", f"{wallet.url}/ (Test-PIDs{demo})"))
    width = max(len(label) for label, _ in rows) + 2
    for label, url in rows:
        print(f"{label + ':':{width}}{url}", flush=True)
    print("Stop with Ctrl+C.", flush=True)


def _development_only(settings: Settings, start, failure: str):
    """A simulator on 127.0.0.1, only in development; None if not started."""
    if not settings.simulators or settings.is_production:
        return None
    try:
        return start()
    except OSError as exc:
        print(f"{failure}: {exc}", flush=True)
        return None


def _start_eid_simulators(settings: Settings):
    """Both eID simulators."""
    def start():
        from eid_connector.simulator.run import start_simulators

        return start_simulators(EID_SERVER_SIMULATOR_PORT, keys_dir=settings.keys_dir / "eid-simulator")

    # Typically a running AusweisApp holds 24727; the IdP runs on without simulators.
    return _development_only(settings, start, "eID-Simulatoren nicht gestartet (Port belegt? läuft die AusweisApp?)")


def _start_elster_simulator(settings: Settings):
    """The ELSTER IdP simulator."""
    def start():
        from elster_connector.simulator.server import start_simulator

        return start_simulator(ELSTER_SIMULATOR_PORT, keys_dir=settings.keys_dir / "elster-simulator")

    return _development_only(settings, start, f"ELSTER-Simulator nicht gestartet (Port {ELSTER_SIMULATOR_PORT} belegt?)")


def _start_wallet_simulator(settings: Settings):
    """The EUDI wallet simulator's pages."""
    def start():
        from wallet_connector.simulator.server import start_simulator

        return start_simulator(WALLET_SIMULATOR_PORT)

    return _development_only(settings, start,
                             f"EUDI-Wallet-Simulator nicht gestartet (Port {WALLET_SIMULATOR_PORT} belegt?)")
