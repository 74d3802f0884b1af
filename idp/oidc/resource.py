"""Access tokens at resource endpoints (userinfo, the Postfach API):
`Authorization: Bearer` (RFC 6750) or `Authorization: DPoP` with a proof (RFC 9449 §7).

    @access_token_required("openid")
    def view():
        token = g.access_token   # the Token row

The rules are in `rfc9449.authenticate`; this decorator translates HTTP. A resource
that speaks another error format than OAuth's JSON (the Postfach API answers RFC 9457
problems) passes its own `refuse`; the WWW-Authenticate challenges are the same.
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, jsonify, request

from .models import Token
from .rfc9449 import ResourceError, authenticate, challenges, new_nonce


def _active(token: Token) -> bool:
    return not token.is_expired() and not token.is_revoked()


def access_token_required(scope: str | None = None, *, service_only: bool = False, refuse=None):
    """`service_only`: only a service's own token (client credentials grant, no
    account) is accepted; a token that speaks for a person is `insufficient_scope`.
    `refuse(error)` builds the refusal's response; `refusal` (OAuth JSON) by default."""
    refuse = refuse or refusal

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            url = current_app.config["SERVICEKONTO"].issuer + request.script_root + request.path
            try:
                g.access_token = authenticate(request.headers.get("Authorization"), request.headers.getlist("DPoP"),
                                              request.method, url, Token.by_access_token, _active, scope)
                if service_only and g.access_token.account_id is not None:
                    raise ResourceError("DPoP" if g.access_token.dpop_jkt else "Bearer", "insufficient_scope",
                                        "A service's own token (client credentials grant) is required.", 403)
            except ResourceError as error:
                return refuse(error)
            response = current_app.make_response(view(*args, **kwargs))
            if g.access_token.dpop_jkt:
                # RFC 9449 §8.2: the nonce for the next request, so the client need
                # not learn it from a refusal when the window moves on.
                response.headers["DPoP-Nonce"] = new_nonce()
            return response

        return wrapper

    return decorator


def refusal(error: ResourceError):
    body = {"error": error.error or "invalid_request"}
    if error.description:
        body["error_description"] = error.description
    response = jsonify(body) if error.error else current_app.response_class(status=error.status)
    response.status_code = error.status
    return with_challenges(response, error)


def with_challenges(response, error: ResourceError):
    """The headers of every refusal at a resource, whatever its body."""
    for value in challenges(error):
        response.headers.add("WWW-Authenticate", value)
    if error.nonce:
        response.headers["DPoP-Nonce"] = error.nonce
    response.headers["Cache-Control"] = "no-store"
    return response
