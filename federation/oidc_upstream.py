"""The OpenID Connect relying back end: this IdP as a client of another state's
Servicekonto that speaks OpenID Connect.

Pure protocol, no web framework and no database: the caller keeps the pending dict
from `begin` server-side (never in the browser), hands the redirect's query to
`complete` exactly once and passes the resulting `RemoteIdentity` to the broker.

OAuth 2.0 (authorization request, token request): Authlib's requests client.
JOSE: joserfc (Authlib's own JOSE successor; `authlib.jose` is deprecated and the
rest of the IdP signs with joserfc too).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus, urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import import_key

from eid_connector.personal_data import split_street
from idp.i18n import _
from idp.loa import Level, parse_acr
from idp.observability import metrics

from .attributes import birth_date_from_iso
from .remote import RemoteAttribute, RemoteIdentity

WELL_KNOWN = "/.well-known/openid-configuration"
DEFAULT_SCOPES = "openid profile email address"
# (connect, read) seconds: a partner that hangs must not hold the citizen's request.
TIMEOUT = (5, 10)
MAX_RESPONSE_BYTES = 1024 * 1024
CLOCK_SKEW = timedelta(seconds=60)
# A citizen may take a while at the partner (card reader, PIN letter at hand), but a
# pending login is a redeemable promise and must not live forever.
PENDING_MAX_AGE = timedelta(minutes=30)
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Asymmetric algorithms only: HS* would make the client secret a signing key and
# invites the classic confusion of a public key used as an HMAC secret.
_HASH_FOR_ALG = {
    "RS256": hashlib.sha256, "PS256": hashlib.sha256, "ES256": hashlib.sha256,
    "RS384": hashlib.sha384, "PS384": hashlib.sha384, "ES384": hashlib.sha384,
    "RS512": hashlib.sha512, "PS512": hashlib.sha512, "ES512": hashlib.sha512,
    "EdDSA": hashlib.sha512, "Ed25519": hashlib.sha512,
}
_KEY_FOR_ALG = {
    **{alg: ("RSA", None) for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")},
    "ES256": ("EC", "P-256"), "ES384": ("EC", "P-384"), "ES512": ("EC", "P-521"),
    # Only Ed25519 has an agreed at_hash (SHA-512); Ed448 stays out.
    "EdDSA": ("OKP", "Ed25519"), "Ed25519": ("OKP", "Ed25519"),
}
_ASSURANCE_LEVELS = {"low": Level.NIEDRIG, "substantial": Level.SUBSTANZIELL, "high": Level.HOCH}
_TRUST_FRAMEWORK = "eidas"
_CANCELLED_ERRORS = frozenset({"access_denied", "login_required"})
# Attributes that only make sense together: an address is taken whole from one source.
_ADDRESS = ("street", "house_number", "postal_code", "city", "country")
_ORDER = ("academic_title", "given_name", "family_name", "birth_name", "birth_date", "place_of_birth",
          "nationality", *_ADDRESS, "email")

MSG_FAILED = _("Die Anmeldung beim anderen Servicekonto ist fehlgeschlagen. Bitte versuchen Sie es erneut.")
MSG_CANCELLED = _("Die Anmeldung beim anderen Servicekonto wurde abgebrochen.")
MSG_UNREACHABLE = _("Das andere Servicekonto ist zurzeit nicht erreichbar. "
                    "Bitte versuchen Sie es später erneut.")
MSG_MISCONFIGURED = _("Die Verbindung zum anderen Servicekonto ist nicht richtig eingerichtet. "
                      "Bitte versuchen Sie es später erneut.")
MSG_MISMATCH = _("Die Antwort des anderen Servicekontos passt nicht zu Ihrer Anmeldung. "
                 "Bitte beginnen Sie die Anmeldung erneut.")
MSG_EXPIRED = _("Die Anmeldung hat zu lange gedauert. Bitte beginnen Sie erneut.")
MSG_LEVEL = _("Das andere Servicekonto hat die Anmeldung nicht auf dem nötigen Vertrauensniveau "
              "bestätigt.")


class UpstreamError(Exception):
    """A failed upstream login. `message` is German and safe to show the citizen;
    `detail` says what went wrong for the log and never reaches the page."""

    def __init__(self, message: str = MSG_FAILED, *, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail or message


class UpstreamCancelled(UpstreamError):
    def __init__(self, message: str = MSG_CANCELLED, *, detail: str | None = None):
        super().__init__(message, detail=detail)


class UpstreamLevelNotMet(UpstreamError):
    """The partner confirmed the login below the level the request asked for."""

    def __init__(self, required: Level, asserted: Level | None, *, detail: str | None = None):
        super().__init__(MSG_LEVEL, detail=detail)
        self.required = required
        self.asserted = asserted


@dataclass(frozen=True)
class UpstreamProvider:
    partner_id: str
    issuer: str
    client_id: str
    # Kept out of repr: providers end up in logs.
    client_secret: str = field(repr=False)
    # The partner's discovery document, as `discover` returned it.
    metadata: dict = field(hash=False, compare=False, repr=False)
    scopes: str = DEFAULT_SCOPES
    # What was registered at the partner; None: basic if the partner supports it, else post.
    token_endpoint_auth_method: str | None = None

    def __post_init__(self):
        if not isinstance(self.metadata, dict) or self.metadata.get("issuer") != self.issuer:
            raise ValueError(f"metadata of {self.partner_id} is not the discovery document of {self.issuer}")
        if "openid" not in self.scopes.split():
            raise ValueError("the scopes of an OpenID Connect partner must include openid")
        if self.token_endpoint_auth_method not in (None, "client_secret_basic", "client_secret_post"):
            raise ValueError(f"unsupported token_endpoint_auth_method {self.token_endpoint_auth_method}")


# -- HTTP ----------------------------------------------------------------------------------
def _is_local(host: str | None) -> bool:
    return (host or "").lower() in _LOCAL_HOSTS


def _require_secure(url, what: str) -> str:
    if not isinstance(url, str):
        raise UpstreamError(MSG_MISCONFIGURED, detail=f"{what} missing")
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and _is_local(parts.hostname):
        return url
    raise UpstreamError(MSG_MISCONFIGURED, detail=f"{what} is not https: {url}")


@dataclass(frozen=True)
class _Answer:
    status: int
    content_type: str
    body: bytes

    def json(self, what: str):
        try:
            return json.loads(self.body)
        except ValueError:
            raise UpstreamError(MSG_FAILED, detail=f"{what}: answer is not JSON (HTTP {self.status})") from None


# Redirects are never followed: every endpoint is named in the metadata, and a
# redirected POST would carry the client's credentials elsewhere. Bodies are streamed
# so that a partner cannot make us hold more than MAX_RESPONSE_BYTES.
_REQUEST_OPTIONS = {"timeout": TIMEOUT, "allow_redirects": False, "stream": True}


def _read_capped(response: requests.Response, what: str) -> bytes:
    body = bytearray()
    for chunk in response.iter_content(64 * 1024):
        body.extend(chunk)
        if len(body) > MAX_RESPONSE_BYTES:
            raise UpstreamError(MSG_FAILED, detail=f"{what}: answer larger than {MAX_RESPONSE_BYTES} bytes")
    return bytes(body)


def _unreachable(what: str, exc: requests.RequestException) -> UpstreamError:
    return UpstreamError(MSG_UNREACHABLE, detail=f"{what}: {type(exc).__name__}: {exc}")


def _call(http, method: str, url: str, what: str, **kwargs) -> _Answer:
    try:
        with (metrics.round_trip(metrics.FEDERATION_ROUND_TRIPS, f"oidc {what}"),
              http.request(method, url, **_REQUEST_OPTIONS, **kwargs) as response):
            body = _read_capped(response, what)
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            return _Answer(response.status_code, content_type, body)
    except requests.RequestException as exc:
        raise _unreachable(what, exc) from exc


@contextmanager
def _client(session):
    if session is not None:
        yield session
        return
    with requests.Session() as own:
        yield own


def _form_encoded_basic(auth, method, uri, headers, body):
    # RFC 6749 §2.3.1: both parts form-encoded before Base64. Authlib's own
    # client_secret_basic (like requests' HTTPBasicAuth) joins them as they are, and a
    # secret with ":", "%" or "+" would then reach the partner as another secret.
    pair = f"{quote_plus(auth.client_id)}:{quote_plus(auth.client_secret)}"
    headers["Authorization"] = "Basic " + base64.b64encode(pair.encode("ascii")).decode("ascii")
    return uri, headers, body


def _oauth_client(provider: UpstreamProvider, token_endpoint_auth_method: str | None = None) -> OAuth2Session:
    oauth = OAuth2Session(provider.client_id, provider.client_secret, scope=provider.scopes,
                          token_endpoint_auth_method=token_endpoint_auth_method, code_challenge_method="S256")
    oauth.register_client_auth_method(("client_secret_basic", _form_encoded_basic))
    return oauth


# -- discovery -----------------------------------------------------------------------------
def discover(url: str, *, session=None) -> dict:
    """The partner's discovery document, checked (OpenID Connect Discovery 1.0 §4).

    `url` is the issuer or its full well-known URL."""
    _require_secure(url, "discovery URL")
    if urlsplit(url).query or urlsplit(url).fragment:
        raise UpstreamError(MSG_MISCONFIGURED, detail=f"issuer must have no query or fragment: {url}")
    if url.endswith(WELL_KNOWN):
        well_known = url
        base = url[: -len(WELL_KNOWN)]
        # §4.1 drops a terminating "/" of the issuer before appending the well-known
        # path, so from the well-known URL alone both spellings are legitimate.
        expected = {base, base + "/"}
    else:
        well_known = url.rstrip("/") + WELL_KNOWN
        expected = {url}

    with _client(session) as http:
        answer = _call(http, "GET", well_known, "discovery", headers={"Accept": "application/json"})
    if answer.status != 200:
        raise UpstreamError(MSG_UNREACHABLE, detail=f"discovery: HTTP {answer.status} from {well_known}")
    metadata = answer.json("discovery")
    if not isinstance(metadata, dict):
        raise UpstreamError(MSG_MISCONFIGURED, detail="discovery: document is not a JSON object")
    issuer = metadata.get("issuer")
    # §4.3: a document that names another issuer is a mix-up waiting to happen.
    if not isinstance(issuer, str) or issuer not in expected:
        raise UpstreamError(MSG_MISCONFIGURED,
                            detail=f"discovery: issuer {issuer!r} does not match {sorted(expected)}")
    _require_secure(issuer, "issuer")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        _require_secure(metadata.get(name), name)
    if metadata.get("userinfo_endpoint") is not None:
        _require_secure(metadata["userinfo_endpoint"], "userinfo_endpoint")
    if "code" not in metadata.get("response_types_supported", ["code"]):
        raise UpstreamError(MSG_MISCONFIGURED, detail="discovery: the partner does not offer the code flow")
    methods = metadata.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise UpstreamError(MSG_MISCONFIGURED, detail="discovery: the partner does not offer PKCE S256")
    if not _signing_algs(metadata):
        raise UpstreamError(MSG_MISCONFIGURED, detail="discovery: no asymmetric ID token algorithm offered")
    return metadata


def _signing_algs(metadata: dict) -> list[str]:
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    return [alg for alg in offered if alg in _HASH_FOR_ALG] if isinstance(offered, list) else []


# -- the authorization request ---------------------------------------------------------------
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _acr_values(provider: UpstreamProvider, level: Level) -> list[str]:
    """The level asked for first, then every stronger one: a citizen already logged
    in at the partner with the eID (hoch) must not be sent through a weaker login
    again just because substanziell was enough."""
    supported = [v for v in provider.metadata.get("acr_values_supported") or [] if isinstance(v, str)]
    values: list[str] = []
    for wanted in (lvl for lvl in Level if lvl >= level):
        values.append(wanted.eidas_uri)
        values.extend(v for v in supported if parse_acr(v) == wanted)
    return list(dict.fromkeys(values))


def begin(provider: UpstreamProvider, redirect_uri: str, *, level: Level | None = None,
          now: datetime | None = None) -> tuple[str, dict]:
    """The authorization URL to send the browser to, and what to keep server-side
    until the partner sends the browser back."""
    now = now or datetime.now(timezone.utc)
    endpoint = _require_secure(provider.metadata.get("authorization_endpoint"), "authorization_endpoint")
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)
    extra = {}
    if level is not None:
        values = _acr_values(provider, level)
        extra["acr_values"] = " ".join(values)
        # Unknown parameters are ignored (RFC 6749 §3.1), so only a partner that says
        # outright it has no claims parameter is spared it.
        if provider.metadata.get("claims_parameter_supported") is not False:
            extra["claims"] = json.dumps({"id_token": {"acr": {"essential": True, "values": values}}},
                                         separators=(",", ":"))
    with _oauth_client(provider) as oauth:
        url, _ = oauth.create_authorization_url(endpoint, state=state, nonce=nonce, code_verifier=code_verifier,
                                                redirect_uri=redirect_uri, **extra)
    pending = {
        "partner_id": provider.partner_id,
        "issuer": provider.issuer,
        "state": state,
        "nonce": nonce,
        "code_verifier": code_verifier,
        "redirect_uri": redirect_uri,
        "level": level.word if level is not None else None,
        "created_at": now.isoformat(),
    }
    return url, pending


# -- keys ------------------------------------------------------------------------------------
class JwksCache:
    """The partners' signing keys, fetched from their jwks_uri and kept for a while;
    a token with a key id not seen before fetches them again (key rollover), but not
    more often than REFETCH_INTERVAL, so forged tokens cannot make us hammer a partner."""

    MAX_AGE = 3600.0
    REFETCH_INTERVAL = 30.0

    def __init__(self):
        self._entries: dict[tuple[str, str], tuple[list[dict], float]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def put(self, issuer: str, jwks_uri: str, keys: list[dict], fetched_at: float | None = None) -> None:
        with self._lock:
            self._entries[(issuer, jwks_uri)] = (keys, time.monotonic() if fetched_at is None else fetched_at)

    def keys(self, provider: UpstreamProvider, http, *, refresh: bool = False) -> list[dict] | None:
        """The partner's keys; with `refresh`, fetched anew unless that happened just
        now (then None: nothing new to try)."""
        jwks_uri = _require_secure(provider.metadata.get("jwks_uri"), "jwks_uri")
        cache_key = (provider.issuer, jwks_uri)
        with self._lock:
            entry = self._entries.get(cache_key)
        age = time.monotonic() - entry[1] if entry else None
        if entry and not refresh and age < self.MAX_AGE:
            return entry[0]
        if entry and refresh and age < self.REFETCH_INTERVAL:
            return None
        keys = self._fetch(jwks_uri, http)
        self.put(provider.issuer, jwks_uri, keys)
        return keys

    @staticmethod
    def _fetch(jwks_uri: str, http) -> list[dict]:
        answer = _call(http, "GET", jwks_uri, "jwks", headers={"Accept": "application/json"})
        if answer.status != 200:
            raise UpstreamError(MSG_UNREACHABLE, detail=f"jwks: HTTP {answer.status}")
        document = answer.json("jwks")
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise UpstreamError(MSG_FAILED, detail="jwks: no keys array")
        return [k for k in keys if isinstance(k, dict)]


jwks_cache = JwksCache()


def _pick_key(keys: list[dict], header: dict, alg: str):
    kty, crv = _KEY_FOR_ALG[alg]
    kid = header.get("kid")
    candidates = []
    for jwk in keys:
        if jwk.get("kty") != kty or (crv and jwk.get("crv") != crv):
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", alg) != alg:
            continue
        if "key_ops" in jwk and "verify" not in jwk["key_ops"]:
            continue
        if kid is not None and jwk.get("kid") != kid:
            continue
        # Only the public half: a partner that publishes a private key gets no say
        # in what it is used for here.
        public = {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "oth", "k")}
        try:
            candidates.append(import_key(public))
        except (JoseError, ValueError, TypeError):
            continue
    # OIDC Core §10.1: with several keys a kid is required, so guessing is refusing.
    return candidates[0] if len(candidates) == 1 else None


# -- the ID token ----------------------------------------------------------------------------
def _epoch(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UpstreamError(MSG_FAILED, detail=f"id_token: {name} is not a number")
    return int(value)


def _validate_id_token(provider: UpstreamProvider, token, pending: Mapping, access_token: str,
                       now: datetime, http) -> dict:
    if not isinstance(token, str) or token.count(".") != 2:
        raise UpstreamError(MSG_FAILED, detail="id_token: not a signed JWT in compact form")
    try:
        compact = jws.extract_compact(token.encode("ascii"))
        header = dict(compact.headers())
    except (JoseError, ValueError, UnicodeError) as exc:
        raise UpstreamError(MSG_FAILED, detail=f"id_token: unreadable ({exc})") from None
    alg = header.get("alg")
    if alg not in _signing_algs(provider.metadata):
        raise UpstreamError(MSG_FAILED, detail=f"id_token: algorithm {alg!r} not accepted")
    if str(header.get("typ", "JWT")).lower() not in ("jwt", "application/jwt"):
        raise UpstreamError(MSG_FAILED, detail=f"id_token: typ {header.get('typ')!r}")

    key = _pick_key(jwks_cache.keys(provider, http), header, alg)
    if key is None:
        fresh = jwks_cache.keys(provider, http, refresh=True)
        key = _pick_key(fresh, header, alg) if fresh is not None else None
    if key is None:
        raise UpstreamError(MSG_FAILED, detail=f"id_token: no key of the partner for kid {header.get('kid')!r}")
    try:
        valid = jws.validate_compact(compact, key, algorithms=[alg])
    except (JoseError, ValueError) as exc:
        raise UpstreamError(MSG_FAILED, detail=f"id_token: signature check failed ({exc})") from None
    if not valid:
        raise UpstreamError(MSG_FAILED, detail="id_token: bad signature")
    try:
        claims = json.loads(compact.payload)
    except ValueError:
        raise UpstreamError(MSG_FAILED, detail="id_token: payload is not JSON") from None
    if not isinstance(claims, dict):
        raise UpstreamError(MSG_FAILED, detail="id_token: payload is not a JSON object")

    if claims.get("iss") != provider.issuer:
        raise UpstreamError(MSG_FAILED, detail=f"id_token: iss {claims.get('iss')!r}")
    audience = claims.get("aud")
    audience = [audience] if isinstance(audience, str) else audience
    if not isinstance(audience, list) or provider.client_id not in audience:
        raise UpstreamError(MSG_FAILED, detail=f"id_token: aud {claims.get('aud')!r}")
    if (len(audience) > 1 or "azp" in claims) and claims.get("azp") != provider.client_id:
        raise UpstreamError(MSG_FAILED, detail=f"id_token: azp {claims.get('azp')!r}")
    moment = now.timestamp()
    skew = CLOCK_SKEW.total_seconds()
    if _epoch(claims.get("exp"), "exp") < moment - skew:
        raise UpstreamError(MSG_FAILED, detail="id_token: expired")
    if _epoch(claims.get("iat"), "iat") > moment + skew:
        raise UpstreamError(MSG_FAILED, detail="id_token: issued in the future")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), str(pending["nonce"]).encode()):
        raise UpstreamError(MSG_FAILED, detail="id_token: nonce does not match")
    if "at_hash" in claims:
        digest = _HASH_FOR_ALG[alg](access_token.encode("ascii")).digest()
        expected = _b64url(digest[: len(digest) // 2])
        if not isinstance(claims["at_hash"], str) or not hmac.compare_digest(claims["at_hash"], expected):
            raise UpstreamError(MSG_FAILED, detail="id_token: at_hash does not match the access token")
    if "auth_time" in claims:
        _epoch(claims["auth_time"], "auth_time")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise UpstreamError(MSG_FAILED, detail="id_token: no usable sub")
    return claims


# -- the authorization response ----------------------------------------------------------------
def _same(a, b) -> bool:
    return isinstance(a, str) and isinstance(b, str) and hmac.compare_digest(a.encode(), b.encode())


def _pending_level(pending: Mapping) -> Level | None:
    level = pending.get("level")
    if level is None or isinstance(level, Level):
        return level
    try:
        return Level.from_word(level)
    except (KeyError, AttributeError):
        raise UpstreamError(MSG_MISMATCH, detail=f"pending login with unknown level {level!r}") from None


def _token_endpoint_auth_method(provider: UpstreamProvider) -> str:
    if provider.token_endpoint_auth_method is not None:
        return provider.token_endpoint_auth_method
    supported = provider.metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    for method in ("client_secret_basic", "client_secret_post"):
        if method in supported:
            return method
    raise UpstreamError(MSG_MISCONFIGURED, detail=f"token: no supported client authentication in {supported}")


def _token_request(provider: UpstreamProvider, pending: Mapping, code: str, http) -> dict:
    endpoint = _require_secure(provider.metadata.get("token_endpoint"), "token_endpoint")
    oauth = _oauth_client(provider, _token_endpoint_auth_method(provider))
    # The token request travels like the login's other requests: over the transport
    # of `http` (its connection pool; in the tests a recording or rewriting adapter).
    # So `oauth` is not closed here: its adapters belong to `http`.
    oauth.adapters.clear()
    for prefix, adapter in http.adapters.items():
        oauth.mount(prefix, adapter)
    for setting in ("proxies", "verify", "cert", "trust_env"):
        setattr(oauth, setting, getattr(http, setting))
    answer = {}

    def capped(response):
        # Authlib reads the answer itself, so the cap must be in place before it does;
        # requests has no public way to hand back a body already read.
        with response:
            response._content = _read_capped(response, "token")
        answer["status"] = response.status_code
        return response

    oauth.register_compliance_hook("access_token_response", capped)
    try:
        with metrics.round_trip(metrics.FEDERATION_ROUND_TRIPS, "oidc token"):
            tokens = oauth.fetch_token(endpoint, grant_type="authorization_code", code=code,
                                       redirect_uri=pending["redirect_uri"], code_verifier=pending["code_verifier"],
                                       **_REQUEST_OPTIONS)
    except OAuthError as exc:
        raise UpstreamError(MSG_FAILED, detail=f"token: HTTP {answer.get('status')} {exc.error!r}") from None
    except requests.HTTPError as exc:
        # Authlib's verdict on a 5xx answer or an error answer that is not JSON.
        raise UpstreamError(MSG_FAILED, detail=f"token: HTTP {exc.response.status_code}") from None
    except requests.RequestException as exc:
        raise _unreachable("token", exc) from exc
    except (ValueError, TypeError) as exc:
        # Authlib's verdict on an answer that is not a JSON object, and on one whose
        # expires_in is not a number.
        raise UpstreamError(MSG_FAILED, detail=f"token: unusable answer ({exc})") from None
    # Authlib takes any JSON object without "error" for tokens; RFC 6749 §5.1 says 200.
    if answer["status"] != 200:
        raise UpstreamError(MSG_FAILED, detail=f"token: HTTP {answer['status']}")
    if not isinstance(tokens.get("access_token"), str) or str(tokens.get("token_type", "")).lower() != "bearer":
        raise UpstreamError(MSG_FAILED, detail="token: no bearer access token")
    if "id_token" not in tokens:
        raise UpstreamError(MSG_FAILED, detail="token: no id_token")
    return dict(tokens)


def _userinfo(provider: UpstreamProvider, access_token: str, sub: str, http) -> dict:
    endpoint = provider.metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    _require_secure(endpoint, "userinfo_endpoint")
    answer = _call(http, "GET", endpoint, "userinfo",
                   headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
    if answer.status != 200:
        raise UpstreamError(MSG_FAILED, detail=f"userinfo: HTTP {answer.status}")
    if answer.content_type != "application/json":
        # A signed or encrypted answer would need its own checks; nobody registered for one.
        raise UpstreamError(MSG_FAILED, detail=f"userinfo: unexpected content type {answer.content_type!r}")
    info = answer.json("userinfo")
    if not isinstance(info, dict):
        raise UpstreamError(MSG_FAILED, detail="userinfo: not a JSON object")
    # OIDC Core §5.3.2: otherwise a token substitution could swap the person.
    if not _same(info.get("sub"), sub):
        raise UpstreamError(MSG_FAILED, detail="userinfo: sub differs from the ID token's")
    return info


def complete(provider: UpstreamProvider, pending: dict, params: Mapping[str, str], *,
             now: datetime | None = None, session=None) -> RemoteIdentity:
    """Check the partner's answer (the query of the redirect back), redeem the code
    and return what the partner proved. The caller must drop `pending` before
    calling, so an answer is never processed twice."""
    now = now or datetime.now(timezone.utc)
    if pending.get("issuer") != provider.issuer or pending.get("partner_id") != provider.partner_id:
        raise UpstreamError(MSG_MISMATCH, detail="pending login belongs to another partner")
    try:
        created = datetime.fromisoformat(pending["created_at"])
    except (KeyError, TypeError, ValueError):
        raise UpstreamError(MSG_MISMATCH, detail="pending login without a valid created_at") from None
    if now - created > PENDING_MAX_AGE:
        raise UpstreamError(MSG_EXPIRED, detail=f"pending login from {pending['created_at']} expired")
    if not _same(params.get("state"), pending.get("state")):
        raise UpstreamError(MSG_MISMATCH, detail="state does not match")
    # RFC 9207, before anything else in the answer is believed (error responses too).
    if "iss" in params:
        if params["iss"] != provider.issuer:
            raise UpstreamError(MSG_MISMATCH, detail=f"iss parameter {params['iss']!r} is not {provider.issuer!r}")
    elif provider.metadata.get("authorization_response_iss_parameter_supported") is True:
        raise UpstreamError(MSG_MISMATCH, detail="iss parameter missing although the partner announces it")

    if "error" in params:
        error = params["error"]
        detail = f"authorization error {error!r}: {params.get('error_description', '')}"
        if error in _CANCELLED_ERRORS:
            raise UpstreamCancelled(detail=detail)
        raise UpstreamError(MSG_FAILED, detail=detail)
    code = params.get("code")
    if not code:
        raise UpstreamError(MSG_FAILED, detail="authorization response without code")

    with _client(session) as http:
        tokens = _token_request(provider, pending, code, http)
        claims = _validate_id_token(provider, tokens["id_token"], pending, tokens["access_token"], now, http)
        info = _userinfo(provider, tokens["access_token"], claims["sub"], http)

    acr = claims.get("acr")
    level = parse_acr(acr) if isinstance(acr, str) else None
    required = _pending_level(pending)
    if required is not None and (level is None or level < required):
        raise UpstreamLevelNotMet(required, level, detail=f"acr {acr!r} is below {required.word}")
    amr = claims.get("amr")
    amr = tuple(m for m in amr if isinstance(m, str)) if isinstance(amr, list) else ()
    auth_time = (datetime.fromtimestamp(_epoch(claims["auth_time"], "auth_time"), timezone.utc)
                 if "auth_time" in claims else None)

    return RemoteIdentity(
        partner_id=provider.partner_id,
        subject=claims["sub"],
        level=level,
        amr=amr,
        attributes=attributes_from_claims(claims, info, level),
        auth_time=auth_time,
        extra={
            # Kept for the partner's end_session_endpoint (id_token_hint).
            "id_token": tokens["id_token"],
            "sid": claims.get("sid"),
            "acr": acr,
            "email_verified": info.get("email_verified", claims.get("email_verified")),
        },
    )


# -- claims -> account attributes ----------------------------------------------------------------
def _text(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def account_values(claims: Mapping) -> dict[str, str]:
    """Claims in OIDC vocabulary → values in the account's vocabulary."""
    out: dict[str, str] = {}

    def put(name, value):
        value = _text(value)
        if value:
            out[name] = value

    put("academic_title", claims.get("title"))
    put("given_name", claims.get("given_name"))
    put("family_name", claims.get("family_name"))
    put("birth_name", claims.get("birth_family_name"))
    put("birth_date", birth_date_from_iso(claims.get("birthdate")))
    place = claims.get("place_of_birth")
    if isinstance(place, Mapping):
        put("place_of_birth", place.get("locality"))
    nationalities = claims.get("nationalities")
    if isinstance(nationalities, list) and nationalities:
        put("nationality", nationalities[0])
    address = claims.get("address")
    if isinstance(address, Mapping):
        street_address = _text(address.get("street_address"))
        if street_address:
            street, number = split_street(street_address)
            put("street", street)
            put("house_number", number)
        put("postal_code", address.get("postal_code"))
        put("city", address.get("locality"))
        put("country", address.get("country"))
    put("email", claims.get("email"))
    return out


def _verifications(*sources: Mapping) -> list[tuple[Level, Mapping]]:
    """(level, claims) of every `verified_claims` entry under eIDAS with a level we know."""
    found = []
    for source in sources:
        entries = source.get("verified_claims")
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, Mapping):
                continue
            verification, claims = entry.get("verification"), entry.get("claims")
            if not isinstance(verification, Mapping) or not isinstance(claims, Mapping):
                continue
            # Another framework's "high" promises something else; such data counts as unverified.
            if verification.get("trust_framework") != _TRUST_FRAMEWORK:
                continue
            level = _ASSURANCE_LEVELS.get(verification.get("assurance_level"))
            if level is not None:
                found.append((level, claims))
    return found


def attributes_from_claims(id_token: Mapping, userinfo: Mapping,
                           login_level: Level | None) -> tuple[RemoteAttribute, ...]:
    """The account attributes in the ID token and userinfo claims, each at the level
    it was verified at: plain claims niedrig, verified ones (OIDC4IDA, eIDAS) at
    their assurance level, but none above the login's level (SPEC §2) and, when the
    login's level is unknown, none above niedrig."""
    ceiling = login_level or Level.NIEDRIG
    # userinfo is the later word on plain claims; verifications count from both.
    plain = {**{k: v for k, v in id_token.items() if k != "verified_claims"},
             **{k: v for k, v in userinfo.items() if k != "verified_claims"}}
    sources = [(Level.NIEDRIG, account_values(plain))]
    for level, claims in _verifications(id_token, userinfo):
        values = account_values(claims)
        # An identity check never covers the e-mail address (cf. idp.oidc.claims).
        values.pop("email", None)
        sources.append((min(level, ceiling), values))

    chosen: dict[str, tuple[str, Level]] = {}
    groups = [(_ADDRESS if name in _ADDRESS else (name,)) for name in _ORDER]
    for group in dict.fromkeys(groups):
        best = None
        for level, values in sources:
            # On a tie the verified value wins over the plain one (sources are in that order).
            if any(n in values for n in group) and (best is None or level >= best[0]):
                best = (level, values)
        if best is not None:
            for name in group:
                if name in best[1]:
                    chosen[name] = (best[1][name], best[0])
    return tuple(RemoteAttribute(name, *chosen[name]) for name in _ORDER if name in chosen)
