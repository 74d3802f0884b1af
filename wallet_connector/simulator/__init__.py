"""A holder (EUDI wallet) and PID issuer for development and tests only: test PIDs
issued by a test issuer whose certificates it makes, and a wallet that answers
OpenID4VP requests correctly or, on demand, with each kind of broken response."""
from .issuer import TestIssuer
from .pids import ADULT, EXPIRED, REVOKED, UNDER_16, TestPid, pids_for
from .pki import verifier_identity
from .wallet import Defect, ReceivedRequest, RequestRefused, Wallet, WalletResponse

__all__ = ["ADULT", "EXPIRED", "REVOKED", "UNDER_16", "Defect", "ReceivedRequest", "RequestRefused", "TestIssuer",
           "TestPid", "Wallet", "WalletResponse", "pids_for", "verifier_identity"]
