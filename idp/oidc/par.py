"""RFC 9126 Pushed Authorization Requests, and the front of /authorize that turns a
`request_uri` or a `request` object (RFC 9101) into the parameters to decide on.

A pushed request lives 60 s and is used once; the browser then carries only the
client_id and the request_uri, so nothing of the request can be altered on its way.
"""
from __future__ import annotations

from datetime import timedelta

from authlib.consts import default_json_headers
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, TokenEndpoint
from authlib.oidc.core.errors import LoginRequiredError
from flask import current_app
from sqlalchemy import delete, update

from ..extensions import db
from ..secrets import digest, new_secret
from ..timeutil import utcnow
from . import jar
from .models import Client, PushedRequest

URN_PREFIX = "urn:ietf:params:oauth:request_uri:"
LIFETIME = timedelta(seconds=60)
PAR_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
# What authenticates the client at /par is no part of the authorization request.
_CLIENT_AUTH_PARAMS = ("client_secret", "client_assertion", "client_assertion_type")


def push(client: Client, params: dict) -> tuple[str, int]:
    request_uri = URN_PREFIX + new_secret(32)
    db.session.add(PushedRequest(uri_hash=digest(request_uri), client_id=client.client_id, params=params,
                                 expires_at=utcnow() + LIFETIME))
    db.session.commit()
    return request_uri, int(LIFETIME.total_seconds())


def take(client_id: str, request_uri: str) -> dict:
    """The pushed parameters, once: the update decides between two browsers racing."""
    if not request_uri.startswith(URN_PREFIX):
        raise jar.RequestUriNotSupported("Only request URIs from the pushed authorization endpoint are accepted.")
    taken = db.session.execute(update(PushedRequest).where(
        PushedRequest.uri_hash == digest(request_uri), PushedRequest.client_id == client_id,
        PushedRequest.used_at.is_(None), PushedRequest.expires_at > utcnow()).values(used_at=utcnow())).rowcount
    db.session.commit()
    if not taken:
        raise jar.InvalidRequestUri("The request_uri is unknown, used or expired.")
    return dict(db.session.get(PushedRequest, digest(request_uri)).params)


def authorization_parameters(params: dict) -> tuple[dict, bool]:
    """The parameters /authorize decides on, and whether they came from a pushed
    request or a request object rather than the browser's URL."""
    from .server import query_client

    client = query_client(params.get("client_id"))
    if params.get("request_uri"):
        if params.get("request"):
            raise InvalidRequestError("request and request_uri cannot be used together.")
        if client is None:
            raise jar.InvalidRequestUri("The request_uri is unknown, used or expired.")
        return take(client.client_id, params["request_uri"]), True
    if client is not None and client.require_pushed_authorization_requests:
        raise InvalidRequestError("This client must push its authorization requests to /par.")
    if params.get("request"):
        if client is None:
            raise jar.InvalidRequestObject("The client is unknown.")
        return {**jar.read(client, params["request"]), "client_id": client.client_id}, True
    return params, False


class PushedAuthorizationEndpoint(TokenEndpoint):
    ENDPOINT_NAME = "pushed_authorization"
    CLIENT_AUTH_METHODS = PAR_AUTH_METHODS

    def create_endpoint_response(self, request):
        from .authorize import StoredRequest

        client = self.authenticate_endpoint_client(request)
        params = {k: v for k, v in request.form.items() if k not in _CLIENT_AUTH_PARAMS}
        if params.get("request_uri"):
            raise InvalidRequestError("request_uri cannot be pushed.")
        if params.get("client_id", client.client_id) != client.client_id:
            raise InvalidRequestError("client_id is not the authenticated client.")
        if params.get("request"):
            params = jar.read(client, params["request"])
        params["client_id"] = client.client_id
        # The checks of /authorize that need no user, answered here and not in the browser.
        try:
            issuer = current_app.config["SERVICEKONTO"].issuer
            self.server.get_consent_grant(StoredRequest(params, issuer + "/authorize"), end_user=None)
        except LoginRequiredError:
            pass
        except OAuth2Error as error:
            # Answered to the client directly, never as a redirect.
            error.redirect_uri = None
            raise
        request_uri, expires_in = push(client, params)
        return 201, {"request_uri": request_uri, "expires_in": expires_in}, default_json_headers


def purge() -> int:
    return db.session.execute(delete(PushedRequest).where(PushedRequest.expires_at < utcnow())).rowcount
