"""The simulator's holder: a wallet with the test PIDs that answers OpenID4VP requests.

It checks the request object as a wallet must (signature by the x5c certificate whose
dNSName is the client_id, OpenID4VP §5.9.3), reads the DCQL query, discloses only the
asked claims, adds the key binding JWT (RFC 9901 §4.3) and encrypts the response to the
verifier's key (§8.3). On demand it answers with a broken response of each kind, so the
verifier's refusals can be seen.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwe
from joserfc.jwk import ECKey
from sd_jwt.holder import SDJWTHolder

from .. import dcql, x5c
from ..jose import b64url_decode, b64url_encode, sha256_b64url
from ..openid4vp import CLIENT_ID_PREFIX, ENC_VALUES, KEY_ALG, REQUEST_AUDIENCE, REQUEST_TYP, RESPONSE_MODE
from .issuer import TestIssuer
from .pids import TestPid, pids_for


class Defect(enum.Enum):
    NONE = "none"
    WRONG_NONCE = "wrong_nonce"
    WRONG_AUDIENCE = "wrong_audience"
    TAMPERED_DISCLOSURE = "tampered_disclosure"
    MISSING_KEY_BINDING = "missing_key_binding"
    UNTRUSTED_ISSUER = "untrusted_issuer"
    REPLAYED_RESPONSE = "replayed_response"


class RequestRefused(Exception):
    """A request object the wallet will not answer."""


@dataclass(frozen=True)
class ReceivedRequest:
    client_id: str
    response_uri: str
    state: str
    nonce: str
    dcql_query: dict
    encryption_jwk: dict
    enc: str

    def claim_sets(self) -> list[list[list]]:
        """What is asked, for the wallet's consent screen."""
        return dcql.claim_sets(self.dcql_query)


@dataclass(frozen=True)
class WalletResponse:
    """The direct_post.jwt answer: the form to POST to the response_uri."""

    response_uri: str
    form: dict[str, str]


@dataclass(frozen=True)
class _Credential:
    pid: TestPid
    issuance: str
    holder_key: ec.EllipticCurvePrivateKey


class Wallet:
    """Holds every test PID twice: from the trusted issuer and from an untrusted one."""

    def __init__(self, issuer: TestIssuer, *, today: date | None = None):
        self.issuer = issuer
        self.pids = {pid.id: pid for pid in pids_for(today or issuer.now.date())}
        rogue = TestIssuer(issuer.now)
        self._credentials = {pid_id: self._credential(issuer, pid) for pid_id, pid in self.pids.items()}
        self._untrusted = {pid_id: self._credential(rogue, pid) for pid_id, pid in self.pids.items()}
        self._answered: dict[str, WalletResponse] = {}  # by state

    @staticmethod
    def _credential(issuer: TestIssuer, pid: TestPid) -> _Credential:
        key = ec.generate_private_key(ec.SECP256R1())
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        return _Credential(pid, issuer.issue(pid, public), key)

    def read_request(self, request_object: str) -> ReceivedRequest:
        try:
            header = jwt.get_unverified_header(request_object)
            if header.get("typ") != REQUEST_TYP:
                raise RequestRefused(f"typ {header.get('typ')!r}")
            leaf = x5c.decode(header.get("x5c"))[0]
            claims = jwt.decode(request_object, leaf.public_key(), algorithms=["ES256"], audience=REQUEST_AUDIENCE)
        except (jwt.InvalidTokenError, x5c.ChainRefused) as exc:
            raise RequestRefused(str(exc)) from None
        client_id = claims.get("client_id", "")
        if not client_id.startswith(CLIENT_ID_PREFIX) or client_id[len(CLIENT_ID_PREFIX):] not in x5c.dns_names(leaf):
            raise RequestRefused(f"client_id {client_id!r} is not the certificate's DNS name")
        if claims.get("response_type") != "vp_token" or claims.get("response_mode") != RESPONSE_MODE:
            raise RequestRefused("only response_type vp_token with direct_post.jwt")
        metadata = claims.get("client_metadata", {})
        keys = [key for key in metadata.get("jwks", {}).get("keys", []) if key.get("alg") == KEY_ALG]
        encs = [enc for enc in metadata.get("encrypted_response_enc_values_supported", ["A128GCM"]) if enc in ENC_VALUES]
        if not keys or not encs:
            raise RequestRefused("no usable response encryption key")
        if not all(isinstance(claims.get(name), str) for name in ("response_uri", "state", "nonce")) \
                or not isinstance(claims.get("dcql_query"), dict):
            raise RequestRefused("response_uri, state, nonce or dcql_query missing")
        return ReceivedRequest(client_id=client_id, response_uri=claims["response_uri"], state=claims["state"],
                               nonce=claims["nonce"], dcql_query=claims["dcql_query"], encryption_jwk=keys[0],
                               enc=encs[0])

    def respond(self, request: ReceivedRequest, pid_id: str, defect: Defect = Defect.NONE,
                now: datetime | None = None) -> WalletResponse:
        if defect is Defect.REPLAYED_RESPONSE:
            # What someone who captured the wallet's answer would post again.
            if request.state not in self._answered:
                raise RequestRefused("nothing answered yet to this request")
            return self._answered[request.state]
        credential = (self._untrusted if defect is Defect.UNTRUSTED_ISSUER else self._credentials)[pid_id]
        presentation = self._present(request, credential, defect, now)
        payload = {"vp_token": {dcql.CREDENTIAL_ID: [presentation]}, "state": request.state}
        response = jwe.encrypt_compact(
            {"alg": KEY_ALG, "enc": request.enc, "kid": request.encryption_jwk["kid"]},
            json.dumps(payload).encode(), ECKey.import_key(request.encryption_jwk))
        self._answered[request.state] = WalletResponse(request.response_uri, {"response": response})
        return self._answered[request.state]

    def _present(self, request: ReceivedRequest, credential: _Credential, defect: Defect = Defect.NONE,
                now: datetime | None = None) -> str:
        """`<JWT>~<asked disclosures>~<KB-JWT>`."""
        holder = SDJWTHolder(credential.issuance)
        holder.create_presentation(_disclosure_mask(credential.pid.claims, _paths(request, credential.pid.claims)))
        sd_jwt = holder.sd_jwt_presentation  # ends with "~": no key binding yet
        if defect is Defect.TAMPERED_DISCLOSURE:
            sd_jwt = _tampered(sd_jwt)
        if defect is Defect.MISSING_KEY_BINDING:
            return sd_jwt
        return sd_jwt + key_binding_jwt(
            credential.holder_key, sd_jwt,
            aud="x509_san_dns:elsewhere.example" if defect is Defect.WRONG_AUDIENCE else request.client_id,
            nonce=b64url_encode(b"another request") if defect is Defect.WRONG_NONCE else request.nonce,
            now=now)

    def holder_key(self, pid_id: str) -> ec.EllipticCurvePrivateKey:
        """The key the trusted PID `pid_id` is bound to (for tests that build presentations)."""
        return self._credentials[pid_id].holder_key


def key_binding_jwt(holder_key: ec.EllipticCurvePrivateKey, sd_jwt: str, *, aud: str, nonce: str,
                    now: datetime | None = None) -> str:
    """RFC 9901 §4.3: the holder's signature over the presentation (`sd_jwt` ends with "~")."""
    now = now or datetime.now(timezone.utc)
    claims = {"iat": int(now.timestamp()), "aud": aud, "nonce": nonce, "sd_hash": sha256_b64url(sd_jwt)}
    return jwt.encode(claims, holder_key, algorithm="ES256", headers={"typ": "kb+jwt"})


def _paths(request: ReceivedRequest, claims: dict) -> list[list]:
    """The first claim set this PID can fulfil (DCQL §6.4.1)."""
    for paths in request.claim_sets():
        if all(path[0] in claims for path in paths):
            return paths
    raise RequestRefused("this PID cannot answer the query")


def _disclosure_mask(claims: dict, paths: list[list]) -> dict:
    """The reference package's `claims_to_disclose` for DCQL claims paths (§7.1): a path
    to an object or array discloses all its parts."""
    def everything(value):
        if isinstance(value, dict):
            return {name: everything(item) for name, item in value.items()}
        if isinstance(value, list):
            return [everything(item) for item in value]
        return True

    mask: dict = {}
    for path in paths:
        node, value = mask, claims
        for step in path[:-1]:
            value = value[step]
            node = node.setdefault(step, {})
        node[path[-1]] = everything(value[path[-1]])
    return mask


def _tampered(sd_jwt: str) -> str:
    """A holder lying about a disclosed value: the given name changed, the salt kept."""
    issuer_jwt, *disclosures, _ = sd_jwt.split("~")
    for index, disclosure in enumerate(disclosures):
        salt, *rest = json.loads(b64url_decode(disclosure))
        if rest[:1] == ["given_name"]:
            disclosures[index] = b64url_encode(json.dumps([salt, "given_name", "MALLORY"]).encode())
            return "~".join([issuer_jwt, *disclosures, ""])
    raise RequestRefused("no given_name disclosed to tamper with")
