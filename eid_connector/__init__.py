"""eService side of BSI TR-03130 (useID / getResult against an eID-Server) and the TC
token of TR-03124. A protocol library without web framework: the app drives it.

Modules: `client` (EidServerClient), `messages` (build/parse all four messages, for
both sides), `wssec` (WS-Security sign/verify), `schema` (XSD validation),
`tctoken`, `personal_data` (PersonalData -> account attributes), `results` (result
codes and German messages), `errors` (exceptions).
"""
from .client import EidServerClient, GetResultOutcome, UseIDResult
from .errors import (
    EidError,
    EidProtocolError,
    EidResultError,
    EidSoapFault,
    EidTransportError,
    SchemaViolation,
    SignatureRefused,
)
from .messages import Selection, UseIDRequest, login_request, registration_request
from .personal_data import EidAttributes, map_personal_data
from .results import ClientResultMinor, Flow, ResultMinor, parse_client_redirect
from .tctoken import TcToken, build_tc_token, client_url

__all__ = [
    "ClientResultMinor",
    "EidAttributes",
    "EidError",
    "EidProtocolError",
    "EidResultError",
    "EidServerClient",
    "EidSoapFault",
    "EidTransportError",
    "Flow",
    "GetResultOutcome",
    "ResultMinor",
    "SchemaViolation",
    "Selection",
    "SignatureRefused",
    "TcToken",
    "UseIDRequest",
    "UseIDResult",
    "build_tc_token",
    "client_url",
    "login_request",
    "map_personal_data",
    "parse_client_redirect",
    "registration_request",
]
