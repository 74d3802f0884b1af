"""Verification of a PID presented as SD-JWT VC with key binding.

Specifications: SD-JWT (RFC 9901), SD-JWT VC (draft-ietf-oauth-sd-jwt-vc, media type
`dc+sd-jwt`), the PID rulebook of the EU ARF (vct `urn:eudi:pid:1`, Germany's
`urn:eudi:pid:de:1`) and the IETF Token Status List. The `sd-jwt` reference package
does the disclosure bookkeeping; what it leaves open (trust in the issuer, time,
unreferenced disclosures, the key binding's checks, status) is done here, each with
its own refusal reason.
"""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from . import token_status_list, x5c
from .errors import PresentationRefused
from .jose import b64url_decode, sha256_b64url

PID_VCTS = ("urn:eudi:pid:de:1", "urn:eudi:pid:1")
# SD-JWT VC §3.1: `dc+sd-jwt`; verifiers accept the former `vc+sd-jwt` during the transition.
SD_JWT_TYPES = ("dc+sd-jwt", "vc+sd-jwt")
KB_TYP = "kb+jwt"  # RFC 9901 §4.3
ALGORITHMS = ["ES256"]  # HAIP §7
# Claims of the issuer-signed JWT that are about the credential, not the person.
_TECHNICAL = {"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "_sd_alg", "sub"}


@dataclass(frozen=True)
class IssuerTrust:
    """What makes a PID acceptable: the PID issuers' trust anchors (X.509), the credential
    types we take, and how the status list is fetched and kept."""

    anchors: tuple[x509.Certificate, ...]
    fetch_status_list: token_status_list.Fetch
    status_lists: token_status_list.StatusListCache = field(
        default_factory=token_status_list.StatusListCache, compare=False, repr=False)
    vcts: tuple[str, ...] = PID_VCTS
    clock_skew: timedelta = timedelta(seconds=60)
    # How old a key binding JWT may be: long enough for a user confirming with PIN or
    # biometrics in the wallet, short against replay (RFC 9901 §7.3 step 5 leaves it to us).
    key_binding_max_age: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class VerifiedPresentation:
    issuer: str
    vct: str
    # The person's claims as disclosed (plus those the issuer made always visible).
    claims: dict = field(repr=False)
    issued_at: datetime | None
    expires_at: datetime


def verify_presentation(presentation: str, *, trust: IssuerTrust, audience: str, nonce: str,
                        now: datetime | None = None) -> VerifiedPresentation:
    """Verify `<issuer-signed JWT>~<disclosure>~...~<KB-JWT>` (RFC 9901 §4, §7.1–7.3)."""
    now = now or datetime.now(timezone.utc)
    issuer_jwt, disclosures, kb_jwt = _split(presentation)
    leaf = _trusted_signer(issuer_jwt, trust, now)
    payload = _verified_payload(issuer_jwt, leaf)
    _check_issuer_name(payload, leaf)
    _check_time(payload, trust, now)
    vct = payload.get("vct")
    if vct not in trust.vcts:
        raise PresentationRefused("wrong_credential_type", f"vct {vct!r}")
    claims = _disclosed_claims(presentation, payload, disclosures, leaf)
    _check_key_binding(kb_jwt, presentation[: len(presentation) - len(kb_jwt)], payload, trust, audience, nonce, now)
    if "status" in payload:
        token_status_list.check_status(payload["status"], fetch=trust.fetch_status_list, anchors=trust.anchors,
                                       now=now, cache=trust.status_lists)
    # Without a status claim the PID can only be short-lived (ARF Annex 2, PID rulebook); exp bounds it.
    return VerifiedPresentation(
        issuer=payload["iss"], vct=vct,
        claims={name: value for name, value in claims.items() if name not in _TECHNICAL},
        issued_at=_time(payload.get("iat")), expires_at=_time(payload["exp"]),
    )


def _split(presentation: object) -> tuple[str, list[str], str]:
    if not isinstance(presentation, str) or "~" not in presentation:
        raise PresentationRefused("malformed", "not an SD-JWT")
    issuer_jwt, *disclosures, kb_jwt = presentation.split("~")
    if not issuer_jwt or any(not item for item in disclosures):
        raise PresentationRefused("malformed", "empty part in the SD-JWT")
    if not kb_jwt:
        # §7.3: a verifier that needs key binding refuses an SD-JWT without a KB-JWT.
        raise PresentationRefused("missing_key_binding", "the presentation ends without a KB-JWT")
    return issuer_jwt, disclosures, kb_jwt


def _trusted_signer(issuer_jwt: str, trust: IssuerTrust, now: datetime) -> x509.Certificate:
    try:
        header = jwt.get_unverified_header(issuer_jwt)
    except jwt.InvalidTokenError as exc:
        raise PresentationRefused("malformed", f"issuer-signed JWT header: {exc}") from None
    if header.get("typ") not in SD_JWT_TYPES:
        raise PresentationRefused("wrong_credential_type", f"typ {header.get('typ')!r}")
    if header.get("alg") not in ALGORITHMS:
        raise PresentationRefused("bad_signature", f"alg {header.get('alg')!r}")
    try:
        return x5c.verified_leaf(header.get("x5c"), trust.anchors, now)
    except x5c.ChainRefused as exc:
        raise PresentationRefused("untrusted_issuer", str(exc)) from None


def _verified_payload(issuer_jwt: str, leaf: x509.Certificate) -> dict:
    try:
        # Time is checked by us (own reasons, injected clock); aud has no place here.
        return jwt.decode(issuer_jwt, leaf.public_key(), algorithms=ALGORITHMS,
                          options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                   "verify_aud": False, "require": ["iss", "exp"]})
    except jwt.InvalidSignatureError as exc:
        raise PresentationRefused("bad_signature", str(exc)) from None
    except jwt.InvalidTokenError as exc:
        raise PresentationRefused("malformed", f"issuer-signed JWT: {exc}") from None


def _check_issuer_name(payload: dict, leaf: x509.Certificate) -> None:
    """SD-JWT VC §3.5 (X.509): `iss` is an HTTPS URI the certificate vouches for, as a
    URI or as the DNS name of its host."""
    iss = payload["iss"]
    parts = urlsplit(iss) if isinstance(iss, str) else None
    if not parts or parts.scheme != "https" or not parts.hostname:
        raise PresentationRefused("untrusted_issuer", f"iss {iss!r} is not an HTTPS URI")
    if iss not in x5c.uris(leaf) and parts.hostname not in x5c.dns_names(leaf):
        raise PresentationRefused("untrusted_issuer", f"certificate does not name {iss}")


def _check_time(payload: dict, trust: IssuerTrust, now: datetime) -> None:
    stamps = {}
    for name in ("exp", "nbf", "iat"):
        value = payload.get(name)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise PresentationRefused("malformed", f"{name} is not a number")
        stamps[name] = value
    if stamps["exp"] + trust.clock_skew.total_seconds() < now.timestamp():
        raise PresentationRefused("expired", f"exp {_time(stamps['exp']).isoformat()}")
    for name in ("nbf", "iat"):
        if stamps[name] is not None and stamps[name] - trust.clock_skew.total_seconds() > now.timestamp():
            raise PresentationRefused("not_yet_valid", f"{name} {_time(stamps[name]).isoformat()}")


def _disclosed_claims(presentation: str, payload: dict, disclosures: list[str], leaf: x509.Certificate) -> dict:
    """RFC 9901 §7.1 steps 3–5: every disclosure is referenced exactly once by a digest,
    then the claims are put together (by the reference package)."""
    if payload.get("_sd_alg", "sha-256") != "sha-256":
        raise PresentationRefused("bad_disclosure", f"_sd_alg {payload.get('_sd_alg')!r}")
    by_digest = {}
    for disclosure in disclosures:
        digest = sha256_b64url(disclosure)
        if digest in by_digest:
            raise PresentationRefused("bad_disclosure", "a disclosure appears twice")
        by_digest[digest] = _decode_disclosure(disclosure)
    _check_references(payload, by_digest)
    issuer_key = JWK.from_pem(leaf.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    try:
        # The package verifies the issuer signature again (cheap) and fills in the values.
        verifier = SDJWTVerifier(presentation, lambda _iss, _header: issuer_key)
        return verifier.get_verified_payload()
    except (ValueError, TypeError, KeyError) as exc:
        raise PresentationRefused("bad_disclosure", str(exc)) from None


def _decode_disclosure(disclosure: str) -> list:
    """§4.2.1/§4.2.2: [salt, name, value] for an object property, [salt, value] for an
    array element; the names `_sd` and `...` are reserved."""
    try:
        decoded = json.loads(b64url_decode(disclosure))
    except ValueError as exc:
        raise PresentationRefused("bad_disclosure", f"unreadable disclosure: {exc}") from None
    if not isinstance(decoded, list) or len(decoded) not in (2, 3) or not isinstance(decoded[0], str):
        raise PresentationRefused("bad_disclosure", "a disclosure is not [salt, (name,) value]")
    if len(decoded) == 3 and (not isinstance(decoded[1], str) or decoded[1] in ("_sd", "...")):
        raise PresentationRefused("bad_disclosure", f"disclosure name {decoded[1]!r}")
    return decoded


def _check_references(payload: dict, by_digest: dict[str, list]) -> None:
    referenced: set[str] = set()

    def visit(digest: object, in_array: bool) -> None:
        if not isinstance(digest, str) or digest in referenced:
            raise PresentationRefused("bad_disclosure", "a digest is malformed or appears twice")
        referenced.add(digest)
        disclosure = by_digest.get(digest)
        if disclosure is None:
            return  # undisclosed claim or decoy
        if (len(disclosure) == 2) != in_array:
            raise PresentationRefused("bad_disclosure", "object/array disclosure in the wrong place")
        walk(disclosure[-1])

    def walk(node: object) -> None:
        if isinstance(node, dict):
            digests = node.get("_sd", [])
            if not isinstance(digests, list):
                raise PresentationRefused("bad_disclosure", "_sd is not an array")
            for digest in digests:
                visit(digest, in_array=False)
            for name, value in node.items():
                if name != "_sd":
                    walk(value)
        elif isinstance(node, list):
            for element in node:
                if isinstance(element, dict) and list(element) == ["..."]:
                    visit(element["..."], in_array=True)
                else:
                    walk(element)

    walk(payload)
    if set(by_digest) - referenced:
        # §7.1 step 4: a disclosure no digest points to (e.g. altered after issuance).
        raise PresentationRefused("bad_disclosure", "a disclosure is not referenced by the issuer")


def _check_key_binding(kb_jwt: str, sd_jwt: str, payload: dict, trust: IssuerTrust, audience: str,
                       nonce: str, now: datetime) -> None:
    """RFC 9901 §7.3; OpenID4VP 1.0 §B.3.6: `aud` is our client_id, `nonce` the request's."""
    cnf = payload.get("cnf")
    if not isinstance(cnf, dict) or not isinstance(cnf.get("jwk"), dict):
        raise PresentationRefused("missing_key_binding", "the credential names no holder key (cnf.jwk)")
    try:
        header = jwt.get_unverified_header(kb_jwt)
        if header.get("typ") != KB_TYP:
            raise PresentationRefused("bad_key_binding", f"typ {header.get('typ')!r}")
        holder_key = jwt.PyJWK(cnf["jwk"], algorithm="ES256")
        claims = jwt.decode(kb_jwt, holder_key, algorithms=ALGORITHMS,
                            options={"verify_aud": False, "verify_iat": False, "require": ["iat", "aud", "nonce", "sd_hash"]})
    except (jwt.InvalidTokenError, jwt.PyJWKError) as exc:
        raise PresentationRefused("bad_key_binding", str(exc)) from None
    if claims["aud"] != audience:
        raise PresentationRefused("wrong_audience", f"aud {claims['aud']!r}")
    if not isinstance(claims["nonce"], str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise PresentationRefused("wrong_nonce", "the KB-JWT answers another request")
    iat = claims["iat"]
    skew = trust.clock_skew.total_seconds()
    if not isinstance(iat, (int, float)) or not (
            now.timestamp() - trust.key_binding_max_age.total_seconds() - skew <= iat <= now.timestamp() + skew):
        raise PresentationRefused("stale_key_binding", f"iat {iat!r}")
    if claims["sd_hash"] != sha256_b64url(sd_jwt):
        raise PresentationRefused("bad_key_binding", "sd_hash does not cover this presentation")


def _time(stamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(stamp, timezone.utc) if stamp is not None else None
