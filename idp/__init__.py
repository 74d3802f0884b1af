"""Servicekonto identity provider: the application factory."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, render_template
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PROJECT_ROOT, Settings
from .extensions import csrf, db

log = logging.getLogger(__name__)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    # SQLite enforces ON DELETE CASCADE only when asked to, on every connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                static_folder=str(Path(__file__).parent / "static"))
    app.config.update(
        SERVICEKONTO=settings,
        SECRET_KEY=settings.resolved_secret_key(),
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        # No pre-ping round trip per checkout: a connection the server dropped fails
        # one request, and SQLAlchemy then discards the whole pool's stale ones.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False, "pool_recycle": 1800},
        SESSION_COOKIE_NAME=settings.cookie_name,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        PREFERRED_URL_SCHEME="https" if settings.is_production else "http",
        WTF_CSRF_TIME_LIMIT=None,  # the login session's own limits apply
        WTF_CSRF_SSL_STRICT=settings.is_production,
        MAX_CONTENT_LENGTH=256 * 1024,
        TESTING=settings.testing,
    )
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    from .accounts import passwords
    from .keys import KeyStore

    passwords.configure(app, settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism)
    keys = KeyStore(settings.keys_dir)
    keys.ensure()
    app.extensions["servicekonto.keys"] = keys

    from .observability import hooks

    # First, so that the request id exists before any other hook can log.
    hooks.init_app(app)
    from .audit import web as audit_web

    audit_web.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    from . import design, language

    design.init_app(app, settings)
    language.init_app(app)
    db.init_app(app)
    from . import outage

    outage.init_app(app)
    from . import concurrency

    concurrency.init_app(app)
    csrf.init_app(app)

    from .oidc.server import init_server

    init_server(app)
    _register_blueprints(app, settings)
    _register_pages(app)
    _connect_domains()

    import elster_connector.app
    import federation.app
    import wallet_connector.app

    federation.app.init_app(app)
    elster_connector.app.init_app(app)
    wallet_connector.app.init_app(app)
    _wrap_edge(app, settings)
    return app


def _wrap_edge(app: Flask, settings: Settings) -> None:
    """What answers before Flask: the constant documents, and outermost the proxy's
    word on who is asking."""
    from .oidc import documents
    from .oidc import views as oidc_views

    paths = app.url_map.bind("localhost")
    app.wsgi_app = documents.ConstantDocuments(app.wsgi_app, {
        paths.build("oidc.discovery"): documents.Document(lambda: oidc_views.discovery_document(app)),
        paths.build("oidc.jwks"): documents.Document(app.extensions["servicekonto.keys"].jwks_json,
                                                     (("Cache-Control", oidc_views.JWKS_CACHE),)),
    }, settings.trusted_proxies)
    if settings.trusted_proxies:
        # Only the hops we run may say who the client is and whether it came over https
        # (the login throttle counts per address; HSTS and secure cookies need the scheme).
        # The host is not taken from them: URLs come from the issuer.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies,
                                x_host=0, x_port=0, x_prefix=0)


def _register_blueprints(app: Flask, settings: Settings) -> None:
    from .accounts.self_service import bp as mein_bereich_bp
    from .accounts.views import bp as accounts_bp
    from .authn.eid_views import bp as eid_bp
    from .authn.views import bp as authn_bp
    from .authn.web import load_login_session
    from .catalogue.views import bp as catalogue_bp
    from .consent.views import bp as consent_bp
    from .observability.views import bp as observability_bp
    from .operations import views as operations_views
    from .oidc.views import bp as oidc_bp
    from .organisations import (admin_views, delegation_views, group_views, leitstelle_views, mailbox_views,
                                registration_views, service_views)
    from .postfach import api as postfach_api
    from .postfach import views as postfach_views
    from .registry_office.views import bp as registry_office_bp
    from .security import add_security_headers

    app.register_blueprint(observability_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(mein_bereich_bp)
    app.register_blueprint(authn_bp)
    app.register_blueprint(eid_bp)
    app.register_blueprint(consent_bp)
    app.register_blueprint(oidc_bp)
    app.register_blueprint(registry_office_bp)
    app.register_blueprint(catalogue_bp)
    operations_views.init_app(app)
    for area in (registration_views, admin_views, group_views, service_views, leitstelle_views, mailbox_views,
                 delegation_views, postfach_views, postfach_api):
        app.register_blueprint(area.bp)
    if settings.simulators:
        # Development only: the outbox page shows mails when no SMTP server is set.
        from .mail.views import bp as outbox_bp

        app.register_blueprint(outbox_bp)
    app.before_request(load_login_session)
    app.after_request(add_security_headers)


def _connect_domains() -> None:
    # The Postfach builds on organisations; organisations learn of its messages only
    # through this seam, so that deleting a function mailbox can count them.
    from .organisations import mailboxes
    from .postfach import folders

    mailboxes.count_unread_with(folders.unread_in_mailbox)


def _register_pages(app: Flask) -> None:
    from flask import request
    from flask_wtf.csrf import CSRFError

    from . import worker
    from .postfach import api as postfach_api

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error):
        if postfach_api.serves(request.path):
            return postfach_api.routing_problem(error)
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        if postfach_api.serves(request.path):
            return postfach_api.routing_problem(error)
        return error

    @app.errorhandler(500)
    def server_error(error):
        return render_template("errors/500.html"), 500

    @app.after_request
    def deliver(response):
        # What this request queued (mail, logout notices) is committed by now; the
        # worker sends it without making the user wait for the SMTP server or a service.
        # A request that never touched the database has no session to look into.
        if db.session.registry.has() and db.session.info.pop("outbox_queued", False):
            worker.notify(app)
        return response

    @app.context_processor
    def inject():
        from flask import g

        def organisation_member():
            # Called by the page header only when someone is logged in.
            from .organisations.entitlements import membership

            login = getattr(g, "login_session", None)
            return membership(login.account_id) if login is not None else None

        from .organisations.delegation_views import acting_principal_name

        return {"login_session": getattr(g, "login_session", None),
                "organisation_member": organisation_member,
                "acting_principal_name": acting_principal_name,
                "simulators": app.config["SERVICEKONTO"].simulators,
                "display_name": app.config["SERVICEKONTO"].display_name,
                "support_email": app.config["SERVICEKONTO"].support_email,
                "support_url": app.config["SERVICEKONTO"].support_url}
