"""Wiring the wallet connector into the app: our verifier identity (key and access
certificate), the PID issuers' trust anchors, the status list fetcher, the link base,
and the blueprint.

The files are read at start, so a wrong setting stops the IdP at once rather than
at the first citizen's login. In simulators mode without settings the verifier key
is made in memory and the wallet simulator installs its issuer (`install_simulator`).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from idp.config import Settings
from idp.i18n import _

from .openid4vp import VerifierIdentity
from .sd_jwt_vc import IssuerTrust

EXTENSION = "servicekonto.wallet"
STATUS_LIST_TIMEOUT = 5  # seconds: the citizen waits for it at the response
NOT_SET_UP = _("Die Anmeldung mit der EUDI-Wallet ist in diesem Servicekonto derzeit nicht eingerichtet.")


class WalletUnavailable(Exception):
    """The wallet cannot be used now; the message is safe to show."""


@dataclass
class WalletServices:
    settings: Settings
    verifier: VerifierIdentity | None
    trust: IssuerTrust | None
    link_base: str  # what the same-device link and the QR code start with

    @property
    def configured(self) -> bool:
        return self.verifier is not None and self.trust is not None

    def require(self) -> None:
        if not self.configured:
            raise WalletUnavailable(NOT_SET_UP)

    def url(self, path: str) -> str:
        return self.settings.issuer + path


def fetch_status_list(uri: str) -> str:
    """The HTTP GET of a status list (draft-ietf-oauth-status-list §8.1)."""
    if urlsplit(uri).scheme != "https":
        raise ValueError("status lists are fetched over https only")
    import requests

    answer = requests.get(uri, timeout=STATUS_LIST_TIMEOUT, headers={"Accept": "application/statuslist+jwt"})
    answer.raise_for_status()
    return answer.text


def configured_from(settings: Settings) -> tuple[VerifierIdentity, IssuerTrust]:
    """The verifier and the trust from the settings' files; ValueError names what is wrong."""
    try:
        anchors = tuple(x509.load_pem_x509_certificates(settings.wallet_trust_anchors.read_bytes()))
        key = serialization.load_pem_private_key(settings.wallet_verifier_key.read_bytes(), password=None)
        chain = tuple(x509.load_pem_x509_certificates(settings.wallet_verifier_cert.read_bytes()))
    except (OSError, ValueError) as exc:
        raise ValueError(f"WALLET_PID_TRUST_ANCHORS, WALLET_VERIFIER_KEY or WALLET_VERIFIER_CERT unusable: {exc}") \
            from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("WALLET_VERIFIER_KEY must be an EC P-256 key (HAIP: ES256)")
    if chain[0].public_key().public_numbers() != key.public_key().public_numbers():
        raise ValueError("WALLET_VERIFIER_CERT does not belong to WALLET_VERIFIER_KEY (its first certificate "
                         "must be the key's)")
    # Self-signed roots are not sent in x5c (HAIP): the wallet has its own.
    chain = tuple(cert for index, cert in enumerate(chain) if index == 0 or cert.issuer != cert.subject)
    try:
        verifier = VerifierIdentity(dns_name=urlsplit(settings.issuer).hostname, key=key, chain=chain)
    except ValueError:
        raise ValueError("WALLET_VERIFIER_CERT must name the issuer's host as dNSName (x509_san_dns)") from None
    return verifier, IssuerTrust(anchors=anchors, fetch_status_list=fetch_status_list)


def services(app) -> WalletServices:
    return app.extensions[EXTENSION]


def init_app(app) -> None:
    settings: Settings = app.config["SERVICEKONTO"]
    verifier = trust = None
    if settings.wallet_configured:
        verifier, trust = configured_from(settings)
    elif settings.simulators:
        from .simulator import verifier_identity

        # Development: an access certificate made at each start; the wallet simulator
        # checks request objects against whatever certificate they carry.
        verifier = verifier_identity(urlsplit(settings.issuer).hostname)
    app.extensions[EXTENSION] = WalletServices(settings, verifier, trust, settings.wallet_link_base)
    from .views import bp

    app.register_blueprint(bp)


def install_simulator(app, simulator) -> None:
    """Development and tests: trust the wallet simulator's PID issuer, ask its status
    list directly, and let the link open the simulator's page
    (wallet_connector.simulator.server.ServedWalletSimulator)."""
    current = services(app)
    if current.settings.wallet_configured:
        return  # real trust anchors win over the simulator's
    from .simulator import verifier_identity

    current.verifier = current.verifier or verifier_identity(urlsplit(current.settings.issuer).hostname)
    current.trust = IssuerTrust(anchors=(simulator.issuer.trust_anchor,),
                                fetch_status_list=simulator.issuer.fetch_status_list)
    current.link_base = simulator.authorize_url
