"""The database out of reach for a moment (a restart, a fail-over, a connection the
server dropped): the caller gets 503 with Retry-After in the form it understands,
never a 500 page, and an answer made before the connection dropped stands.

The pool does not test connections before use (no pre-ping round trip per request),
so after a database restart the first request on a stale connection fails; SQLAlchemy
then discards every connection of the pool that predates the failure, and the next
requests connect anew. Nothing was written by the failed request: its transaction
ended with the connection."""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError

from . import database

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
# Endpoints of the OpenID provider that a browser shows, not a service's HTTP client.
BROWSER_ENDPOINTS = {"oidc.authorize_endpoint", "oidc.resume", "oidc.end_session"}


def _answer():
    from .postfach import api as postfach_api

    if postfach_api.serves(request.path):
        return postfach_api.problem(503, "nicht-verfuegbar", "Das Servicekonto ist kurz nicht erreichbar; "
                                                             "bitte die Anfrage wiederholen.")
    if request.blueprint == "oidc" and request.endpoint not in BROWSER_ENDPOINTS:
        response = jsonify(error="temporarily_unavailable",
                           error_description="The service is briefly unavailable; retry the request.")
        response.headers["Cache-Control"] = "no-store"
        return response
    # Without the login session: the page header would ask the database about it.
    return render_template("errors/503.html", login_session=None)


def database_unavailable(error: DBAPIError):
    """The error handler for database errors; handlers of narrower classes
    (idp/concurrency.py) pass on to it what they do not answer themselves."""
    if not database.is_outage(error):
        raise error  # Flask's 500 handling: logged with its stack (a defect stays visible)
    # The class only: a database error's message may repeat the values it refused.
    log.warning("database unavailable (%s): answered 503", type(error.orig).__name__)
    response = current_app.make_response(_answer())
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    """After `db.init_app`: this app's session teardown then runs before Flask-SQLAlchemy's."""
    app.register_error_handler(DBAPIError, database_unavailable)

    @app.teardown_appcontext
    def end_session(exc):
        database.end_session()
