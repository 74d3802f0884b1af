"""Registration of online services as OIDC clients (used by the CLI, later by
dynamic registration)."""
from __future__ import annotations

from urllib.parse import urlparse

from joserfc.errors import JoseError
from sqlalchemy import select

from . import audit
from .extensions import db
from .loa import Level
from .oidc.models import CODE_GRANTS, SECRET_AUTH_METHODS, Client
from .secrets import digest, new_secret


AUDIENCES = ("citizens", "organisations", "both")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
APPROVALS = ("auto", "leitstelle")
# The provider's own keys (ID tokens, signed userinfo).
SIGNING_ALGORITHMS = ["ES256", "RS256"]
# What an operator registers; refresh_token comes with authorization_code.
GRANTS = ("authorization_code", "client_credentials")


class ClientError(ValueError):
    pass


class RedirectUriError(ClientError):
    """A refused redirect URI (RFC 7591 `invalid_redirect_uri`)."""


def _check_uri(uri: str, what: str, error: type[ClientError] = ClientError) -> str:
    parsed = urlparse(uri) if isinstance(uri, str) else None
    if parsed is None or parsed.scheme not in ("https", "http") or not parsed.netloc or parsed.fragment:
        raise error(f"{what} must be an absolute http(s) URI without fragment: {uri}")
    if parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise error(f"{what} must use https outside the local machine: {uri}")
    return uri


def check_redirect_uris(uris: list[str]) -> list[str]:
    return [_check_uri(u, "redirect URI", RedirectUriError) for u in uris]


def new_client_id() -> str:
    """A random client id that a command line cannot take for an option (urlsafe
    base64 may start with "-")."""
    while (client_id := new_secret(18)).startswith("-"):
        pass
    return client_id


def add_client(*args, client_id: str | None = None, catalogue: dict | None = None,
               **kwargs) -> tuple[Client, str | None]:
    """Register a client with the settings of `client_settings` and the catalogue entry
    of `catalogue_settings`; returns it and its secret (shown once, only its digest is
    stored)."""
    client = Client(client_id=client_id or new_client_id(), **client_settings(*args, **kwargs),
                    **catalogue_settings(**(catalogue or {})))
    secret = set_secret(client)
    db.session.add(client)
    audit_change(client.client_id, "add")
    db.session.commit()
    return client, secret


def audit_change(client_id: str, what: str, **details) -> None:
    """An operator's change of a client (or, through dynamic registration, the
    service's own), in the caller's transaction."""
    audit.record("operator.client", client_id=client_id, what=what, which=client_id, **details)


def set_secret(client: Client) -> str | None:
    """A secret for a client that authenticates with one and has none yet; clients
    that authenticate otherwise keep none."""
    if client.token_endpoint_auth_method not in SECRET_AUTH_METHODS:
        client.client_secret_hash = None
        return None
    if client.client_secret_hash:
        return None
    secret = new_secret(32)
    client.client_secret_hash = digest(secret)
    return secret


def client_settings(name: str, redirect_uris: list[str], min_loa: str = "niedrig", public: bool = False,
                    post_logout_redirect_uris: list[str] | None = None, backchannel_logout_uri: str | None = None,
                    id_token_alg: str = "ES256", audience: str = "citizens",
                    roles: list[str] | None = None, approval: str = "auto",
                    token_endpoint_auth_method: str | None = None, jwks: dict | None = None,
                    jwks_uri: str | None = None, require_par: bool = False, dpop: bool = False,
                    grants: list[str] | None = None,
                    userinfo_alg: str | None = None) -> dict:
    """The checked settings of a client (the rules of the CLI and of dynamic registration)."""
    if not isinstance(name, str) or not name.strip():
        raise ClientError("name must not be empty")
    grant_types = _grant_types(grants, public, token_endpoint_auth_method)
    if "authorization_code" in grant_types and not redirect_uris:
        raise RedirectUriError("at least one redirect URI is required")
    if "authorization_code" not in grant_types and (redirect_uris or post_logout_redirect_uris
                                                    or backchannel_logout_uri):
        raise ClientError("redirect and logout URIs belong to clients with the authorization_code grant")
    level = _level(min_loa)
    if id_token_alg not in SIGNING_ALGORITHMS:
        raise ClientError("id-token-alg must be ES256 or RS256")
    if userinfo_alg is not None and userinfo_alg not in SIGNING_ALGORITHMS:
        raise ClientError("userinfo-signed-response-alg must be ES256 or RS256")
    if audience not in AUDIENCES:
        raise ClientError("audience must be citizens, organisations or both")
    if approval not in APPROVALS:
        raise ClientError("approval must be auto or leitstelle")
    roles = [r.strip() for r in roles or []]
    if any(not r or len(r) > 64 or any(c.isspace() for c in r) for r in roles):
        raise ClientError("a role is a name of 1 to 64 characters without white space")
    method, jwks, jwks_uri = _authentication(public, token_endpoint_auth_method, jwks, jwks_uri)
    return dict(
        name=name.strip(),
        redirect_uris=check_redirect_uris(redirect_uris),
        post_logout_redirect_uris=[_check_uri(u, "post-logout redirect URI") for u in post_logout_redirect_uris or []],
        backchannel_logout_uri=_check_uri(backchannel_logout_uri, "back-channel logout URI") if backchannel_logout_uri else None,
        min_level=int(level),
        public=method == "none",
        id_token_signed_response_alg=id_token_alg,
        audience=audience,
        roles=list(dict.fromkeys(roles)),
        approval=approval,
        token_endpoint_auth_method=method,
        jwks=jwks,
        jwks_uri=jwks_uri,
        require_pushed_authorization_requests=require_par,
        dpop_bound_access_tokens=dpop,
        grant_types=grant_types,
        userinfo_signed_response_alg=userinfo_alg,
    )


# The catalogue entry (SPEC §5), apart from `client_settings`: dynamic registration
# (RFC 7592 update) replaces what `client_settings` returns, and the entry is the
# operator's, so a service updating its redirect URIs must not wipe it.
CATALOGUE_FIELDS = ("description", "authority", "start_url", "keywords", "fees")
_TEXT_LIMITS = {"description": 1000, "authority": 200, "fees": 500}
KEYWORD_LIMIT = 64
MAX_KEYWORDS = 20


def catalogue_settings(description: str | None = None, authority: str | None = None, start_url: str | None = None,
                       keywords: list[str] | None = None, fees: str | None = None,
                       listed: bool | None = None) -> dict:
    """The checked catalogue entry of a client. Unless the operator says otherwise, a
    service is listed exactly when it has a start URL: an entry without "Hier starten"
    would lead nowhere, so listing one without a start URL is refused."""
    texts = {name: _text(value, name) for name, value in
             (("description", description), ("authority", authority), ("fees", fees))}
    start_url = (start_url or "").strip() or None
    if start_url:
        _check_uri(start_url, "start URL")
    listed = bool(start_url) if listed is None else listed
    if listed and not start_url:
        raise ClientError("a service in the catalogue needs a start URL")
    words = [w.strip() for w in keywords or [] if w.strip()]
    if any(len(w) > KEYWORD_LIMIT for w in words) or len(words) > MAX_KEYWORDS:
        raise ClientError(f"at most {MAX_KEYWORDS} keywords of at most {KEYWORD_LIMIT} characters each")
    return dict(texts, start_url=start_url, keywords=list(dict.fromkeys(words)), in_catalogue=listed)


def _text(value: str | None, name: str) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > _TEXT_LIMITS[name]:
        raise ClientError(f"{name} must be at most {_TEXT_LIMITS[name]} characters")
    return value


def change_catalogue(client_id: str, changes: dict, listed: bool | None = None) -> Client | None:
    """Change some fields of a client's catalogue entry (those in `changes`, named as in
    `CATALOGUE_FIELDS`; an empty value clears one). Without `listed` the listing stays,
    except that a service gaining its first start URL is listed, as at `clients add`."""
    client = db.session.get(Client, client_id)
    if client is None:
        return None
    entry = {name: getattr(client, name) for name in CATALOGUE_FIELDS}
    entry.update(changes)
    if listed is None:
        listed = client.in_catalogue or (not client.start_url and bool((entry["start_url"] or "").strip()))
    for name, value in catalogue_settings(**entry, listed=listed).items():
        setattr(client, name, value)
    audit_change(client_id, "catalogue", fields=sorted(changes))
    db.session.commit()
    return client


def change_redirects_and_level(client_id: str, redirect_uris: list[str], min_loa: str) -> Client | None:
    """The operator's change of a client's redirect URIs and minimum level, by the rules
    of `client_settings`."""
    client = db.session.get(Client, client_id)
    if client is None:
        return None
    if "authorization_code" in client.grant_types and not redirect_uris:
        raise RedirectUriError("at least one redirect URI is required")
    if "authorization_code" not in client.grant_types and redirect_uris:
        raise RedirectUriError("redirect URIs belong to clients with the authorization_code grant")
    level = _level(min_loa)
    client.redirect_uris = check_redirect_uris(redirect_uris)
    client.min_level = int(level)
    db.session.commit()
    return client


def rotate_secret(client: Client) -> str:
    """A new secret for a confidential client; the old one stops working at once."""
    secret = new_secret(32)
    client.client_secret_hash = digest(secret)
    audit_change(client.client_id, "secret")
    db.session.commit()
    return secret


def _level(min_loa: str) -> Level:
    try:
        return Level.from_word(min_loa)
    except KeyError as exc:
        raise ClientError("min-loa must be niedrig, substanziell or hoch") from exc


def _grant_types(grants: list[str] | None, public: bool, method: str | None) -> list[str]:
    grants = list(dict.fromkeys(grants or ["authorization_code"]))
    if any(g not in GRANTS for g in grants):
        raise ClientError("grant must be one of " + ", ".join(GRANTS))
    if "client_credentials" in grants and (public or method == "none"):
        # RFC 6749 §4.4: only a client that can authenticate may act on its own behalf.
        raise ClientError("the client_credentials grant is for confidential clients only")
    return [t for g in grants for t in (CODE_GRANTS if g == "authorization_code" else (g,))]


def _authentication(public: bool, method: str | None, jwks: dict | None,
                    jwks_uri: str | None) -> tuple[str, dict | None, str | None]:
    """The registered token endpoint authentication (RFC 7591 §2) and its keys."""
    from .oidc.rfc7523 import parse_jwks

    method = method or ("none" if public else "client_secret_basic")
    if method not in AUTH_METHODS:
        raise ClientError("token-endpoint-auth-method must be one of " + ", ".join(AUTH_METHODS))
    if public and method != "none":
        raise ClientError("a public client authenticates with none")
    if method != "private_key_jwt":
        if jwks or jwks_uri:
            raise ClientError("keys (jwks, jwks-uri) belong to private_key_jwt clients only")
        return method, None, None
    if bool(jwks) == bool(jwks_uri):
        raise ClientError("a private_key_jwt client needs either jwks or jwks-uri")
    if jwks:
        try:
            parse_jwks(jwks)
        except (ValueError, KeyError, TypeError, JoseError) as exc:
            raise ClientError(f"jwks unusable: {exc}") from exc
        return method, jwks, None
    return method, None, _check_uri(jwks_uri, "jwks URI")


def describe(client: Client) -> dict:
    return {
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "min_loa": client.min_loa.word,
        "public": client.public,
        "id_token_signed_response_alg": client.id_token_signed_response_alg,
        "audience": client.audience,
        "roles": client.roles,
        "approval": client.approval,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "jwks": client.jwks,
        "jwks_uri": client.jwks_uri,
        "disabled": client.disabled,
        "require_pushed_authorization_requests": client.require_pushed_authorization_requests,
        "dpop_bound_access_tokens": client.dpop_bound_access_tokens,
        "grant_types": client.grant_types,
        "userinfo_signed_response_alg": client.userinfo_signed_response_alg,
        "catalogue": client.in_catalogue,
        **{name: getattr(client, name) for name in CATALOGUE_FIELDS},
    }


def list_clients() -> list[Client]:
    return list(db.session.scalars(select(Client).order_by(Client.created_at)))


def set_disabled(client_id: str, disabled: bool) -> bool:
    """Disabling ends the service's tokens at once; enabling again does not bring them
    back, users log in anew."""
    from .oidc.revocation import revoke_for_client

    client = db.session.get(Client, client_id)
    if client is None:
        return False
    client.disabled = disabled
    if disabled:
        revoke_for_client(client_id)
    audit_change(client_id, "disable" if disabled else "enable")
    db.session.commit()
    return True


def remove_client(client_id: str) -> bool:
    client = db.session.get(Client, client_id)
    if client is None:
        return False
    db.session.delete(client)
    audit_change(client_id, "remove")
    db.session.commit()
    return True
