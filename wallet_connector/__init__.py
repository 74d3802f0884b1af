"""Verifier side of the EU Digital Identity Wallet: the PID (ARF) as SD-JWT VC over
OpenID for Verifiable Presentations 1.0 (HAIP).

The protocol modules know no web framework, named after their specifications:
`openid4vp` (request object, wallet link, encrypted response), `dcql` (the query),
`sd_jwt_vc` (presentation verification), `token_status_list`, `x5c` (certificate
chains); `pid` (PID -> account attributes, stable identifier, age); `errors` (one
exception with a reason code); `simulator` (test issuer, wallet and its pages,
development and tests only).

The IdP side, like the ELSTER connector's: `app` (settings, verifier identity, trust;
`init_app`), `models` and `transactions` (trips to the wallet in the database, the
replay guard), `backend` (the `LoginBackend`), `messages` (German refusals) and `views`.
"""
from .dcql import Purpose, pid_query
from .errors import REASONS, PresentationRefused
from .openid4vp import (
    MemoryReplayGuard,
    PendingRequest,
    ReplayGuard,
    VerifierIdentity,
    new_request,
    read_response,
    request_object,
    verify_response,
    wallet_link,
)
from .pid import PidDataMissing, age_on, attributes, is_at_least, stable_identifier
from .sd_jwt_vc import PID_VCTS, IssuerTrust, VerifiedPresentation, verify_presentation

__all__ = [
    "PID_VCTS",
    "REASONS",
    "IssuerTrust",
    "MemoryReplayGuard",
    "PendingRequest",
    "PidDataMissing",
    "PresentationRefused",
    "Purpose",
    "ReplayGuard",
    "VerifiedPresentation",
    "VerifierIdentity",
    "age_on",
    "attributes",
    "is_at_least",
    "new_request",
    "pid_query",
    "read_response",
    "request_object",
    "stable_identifier",
    "verify_presentation",
    "verify_response",
    "wallet_link",
]
