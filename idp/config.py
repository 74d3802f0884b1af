"""Settings: the one place that reads the environment (SPEC §8)."""
from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
EID_KEY_REFERENCES = ("bst", "issuer_serial")
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


def _int(env: dict[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def database_url(url: str) -> str:
    """`postgresql://` and `postgres://` as operators write them: SQLAlchemy would
    take them for psycopg2, and the driver installed is psycopg 3."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


@dataclass(frozen=True)
class Settings:
    issuer: str = "http://127.0.0.1:5000"
    database_url: str = ""
    secret_key: str = ""
    # May hold the SMTP password: never in a repr (tracebacks, debug logs).
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "Servicekonto <noreply@servicekonto.invalid>"
    # CA bundle (PEM) that vouches for the SMTP server's TLS certificate instead of the
    # system store, e.g. for a mail relay with an internal CA.
    smtp_ca_file: Path | None = None
    # The first retry of a mail the SMTP server did not take, in seconds; each further
    # one waits twice as long, up to an hour.
    mail_retry_seconds: int = 30
    keys_dir: Path = PROJECT_ROOT / "keys"
    # Reverse proxies in front of us that append to X-Forwarded-For and set
    # X-Forwarded-Proto (werkzeug's ProxyFix counts hops; it cannot match addresses).
    # 0: the headers are ignored, as anyone can send them.
    trusted_proxies: int = 0
    # Who may read /metrics (CIDR networks); everyone else gets a 404.
    metrics_networks: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    # prometheus-client's multiprocess mode (the library reads the variable itself;
    # here so that /metrics knows to add up the workers' files).
    prometheus_multiproc_dir: Path | None = None
    simulators: bool = False
    instance_dir: Path = PROJECT_ROOT / "instance"
    # Argon2id cost: OWASP's first recommendation (19 MiB, t=2, p=1) by default, about
    # 50 ms of one core per login; tests lower it. Stored hashes of other parameters
    # are upgraded at the next login.
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19456  # KiB
    argon2_parallelism: int = 1
    testing: bool = False
    # How long audit events are kept; the personal data in them (addresses, e-mail,
    # user agent) go after seven days whatever this says (TR-03160-2).
    audit_retention_days: int = 365
    # eID-Server (BSI TR-03130) of the eService: its SOAP URL, our client key and
    # certificate (PEM files), and the server's signing certificate we pin.
    eid_server_url: str | None = None
    eid_client_key: Path | None = None
    eid_client_cert: Path | None = None
    eid_server_cert: Path | None = None
    # TLS towards the eID-Server (TR-03130 3.5.1): the operator authenticates us by a
    # TLS client certificate, and its TLS certificate may come from a CA that the
    # system store does not (and should not) trust for everything else.
    eid_tls_client_cert: Path | None = None
    eid_tls_client_key: Path | None = None
    eid_tls_ca: Path | None = None
    # How our WS-Security signature names its key: the WSDL policy of TR-03130 asks for
    # issuer/serial, but which form an eID-Server accepts is its operator's choice.
    eid_signature_key_reference: str = "bst"
    # The ELSTER IdP (SPEC §7): its SAML metadata (an https URL or a file), the
    # certificate that must have signed it (pinned), and our SP key pair (PEM files;
    # without them a self-signed pair is made under keys/).
    elster_metadata: str | None = None
    elster_metadata_signer: Path | None = None
    elster_sp_key: Path | None = None
    elster_sp_cert: Path | None = None
    # The EU Digital Identity Wallet (issue #16, OpenID4VP): the PID issuers' trust
    # anchors (PEM certificates), our verifier key and its certificate chain (PEM, leaf
    # first; its dNSName is the issuer's host, the `x509_san_dns` client_id), and what
    # the same-device link and QR code start with: a scheme (`openid4vp://`, the spec's)
    # or an https URL of a wallet's universal link.
    wallet_trust_anchors: Path | None = None
    wallet_verifier_key: Path | None = None
    wallet_verifier_cert: Path | None = None
    wallet_link_base: str = "openid4vp://"
    # The eID-Client (AusweisApp) listens here on the citizen's machine (TR-03124-1).
    eid_client_url: str = "http://127.0.0.1:24727/eID-Client"
    # The name citizens and partner states see (page header, SAML metadata), e.g.
    # "Servicekonto Land B" for the second instance of the demo.
    display_name: str = "Servicekonto"
    # The state's logo in the page header (an SVG or PNG file the IdP serves itself);
    # without it the header shows the name only.
    logo: Path | None = None
    # Where citizens get help (page footer, and the refusals that send them there):
    # an address and/or the state's help page. Unset: the footer names neither.
    support_email: str | None = None
    support_url: str | None = None
    # The built KERN UX design system (@kern-ux/native's dist/: kern.min.css, fonts);
    # production installs may keep it outside the source tree.
    kern_dist: Path = PROJECT_ROOT / "node_modules" / "@kern-ux" / "native" / "dist"
    # Cookies do not tell ports apart: two instances on one host (the demo's Land A
    # and Land B) need different names, or one login overwrites the other's session.
    cookie_name: str = "servicekonto"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        env = dict(os.environ if env is None else env)
        instance_dir = Path(env.get("SERVICEKONTO_INSTANCE_DIR", PROJECT_ROOT / "instance"))
        values = dict(
            issuer=env.get("SERVICEKONTO_ISSUER", "http://127.0.0.1:5000").rstrip("/"),
            database_url=database_url(env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'servicekonto.db'}"),
            secret_key=env.get("SECRET_KEY", ""),
            smtp_url=env.get("SMTP_URL") or None,
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            keys_dir=Path(env.get("SERVICEKONTO_KEYS_DIR", PROJECT_ROOT / "keys")),
            smtp_ca_file=_path(env.get("SMTP_CA_FILE")),
            mail_retry_seconds=_int(env, "SERVICEKONTO_MAIL_RETRY_SECONDS", cls.mail_retry_seconds),
            trusted_proxies=_int(env, "SERVICEKONTO_TRUSTED_PROXIES", cls.trusted_proxies),
            metrics_networks=_list(env.get("SERVICEKONTO_METRICS_NETWORKS")) or cls.metrics_networks,
            prometheus_multiproc_dir=_path(env.get("PROMETHEUS_MULTIPROC_DIR")),
            simulators=env.get("SERVICEKONTO_SIMULATORS") == "1",
            instance_dir=instance_dir,
            eid_server_url=env.get("EID_SERVER_URL") or None,
            eid_client_key=_path(env.get("EID_CLIENT_KEY")),
            eid_client_cert=_path(env.get("EID_CLIENT_CERT")),
            eid_server_cert=_path(env.get("EID_SERVER_CERT")),
            eid_tls_client_cert=_path(env.get("EID_TLS_CLIENT_CERT")),
            eid_tls_client_key=_path(env.get("EID_TLS_CLIENT_KEY")),
            eid_tls_ca=_path(env.get("EID_TLS_CA")),
            eid_signature_key_reference=env.get("EID_SIGNATURE_KEY_REFERENCE") or cls.eid_signature_key_reference,
            elster_metadata=env.get("ELSTER_METADATA") or None,
            elster_metadata_signer=_path(env.get("ELSTER_METADATA_SIGNER")),
            elster_sp_key=_path(env.get("ELSTER_SP_KEY")),
            elster_sp_cert=_path(env.get("ELSTER_SP_CERT")),
            wallet_trust_anchors=_path(env.get("WALLET_PID_TRUST_ANCHORS")),
            wallet_verifier_key=_path(env.get("WALLET_VERIFIER_KEY")),
            wallet_verifier_cert=_path(env.get("WALLET_VERIFIER_CERT")),
            wallet_link_base=env.get("WALLET_LINK_BASE") or cls.wallet_link_base,
            display_name=env.get("SERVICEKONTO_NAME") or cls.display_name,
            logo=_path(env.get("SERVICEKONTO_LOGO")),
            support_email=env.get("SERVICEKONTO_SUPPORT_EMAIL") or None,
            support_url=env.get("SERVICEKONTO_SUPPORT_URL") or None,
            kern_dist=_path(env.get("SERVICEKONTO_KERN_DIST")) or cls.kern_dist,
            argon2_time_cost=_int(env, "ARGON2_TIME_COST", cls.argon2_time_cost),
            argon2_memory_cost=_int(env, "ARGON2_MEMORY_COST", cls.argon2_memory_cost),
            argon2_parallelism=_int(env, "ARGON2_PARALLELISM", cls.argon2_parallelism),
            audit_retention_days=_int(env, "SERVICEKONTO_AUDIT_RETENTION_DAYS", cls.audit_retention_days),
        )
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        parsed = urlparse(self.issuer)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("SERVICEKONTO_ISSUER must be an absolute http(s) URL")
        if parsed.scheme == "http" and parsed.hostname not in _LOCAL_HOSTS:
            raise ValueError("SERVICEKONTO_ISSUER must use https outside the local machine")
        if self.simulators and parsed.hostname not in _LOCAL_HOSTS:
            # The simulators hand out identities at level hoch to anyone who clicks.
            raise ValueError("SERVICEKONTO_SIMULATORS=1 is for development on 127.0.0.1 only")
        if self.smtp_url and urlparse(self.smtp_url).scheme not in SMTP_SCHEMES:
            raise ValueError("SMTP_URL must look like smtp://host:port, smtp+starttls://user:password@host:port "
                             "or smtps://user:password@host:port")
        if self.smtp_url and urlparse(self.smtp_url).password and urlparse(self.smtp_url).scheme == "smtp":
            raise ValueError("SMTP_URL with a password needs TLS: smtp+starttls:// or smtps://")
        if not 1 <= self.mail_retry_seconds <= 3600:
            raise ValueError("SERVICEKONTO_MAIL_RETRY_SECONDS must be between 1 and 3600")
        if self.audit_retention_days < 1:
            raise ValueError("SERVICEKONTO_AUDIT_RETENTION_DAYS must be 1 or more")
        if self.trusted_proxies < 0:
            raise ValueError("SERVICEKONTO_TRUSTED_PROXIES is the number of reverse proxies in front (0 or more)")
        for network in self.metrics_networks:
            try:
                ipaddress.ip_network(network)
            except ValueError:
                raise ValueError(f"SERVICEKONTO_METRICS_NETWORKS: {network!r} is no network like 10.0.0.0/8") from None
        if self.logo is not None and self.logo.suffix.lower() not in (".svg", ".png"):
            raise ValueError("SERVICEKONTO_LOGO must be an .svg or .png file")
        if self.support_email is not None and not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+",
                                                                self.support_email):
            raise ValueError("SERVICEKONTO_SUPPORT_EMAIL must be an e-mail address")
        if self.support_url is not None:
            parsed = urlparse(self.support_url)
            if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in _LOCAL_HOSTS):
                raise ValueError("SERVICEKONTO_SUPPORT_URL must be an https URL")
        self._validate_eid()
        self._validate_elster()
        self._validate_wallet()
        self._validate_argon2()

    def _validate_argon2(self) -> None:
        if self.testing:
            return
        # OWASP's equivalent minimums run from 46 MiB at t=1 to 7 MiB at t=5: memory
        # times passes stays above 35 MiB and memory above 7 MiB in all of them.
        if (self.argon2_memory_cost < 7168 or self.argon2_memory_cost * self.argon2_time_cost < 35840
                or self.argon2_parallelism < 1):
            raise ValueError("ARGON2_MEMORY_COST (KiB) and ARGON2_TIME_COST are below OWASP's minimum "
                             "for Argon2id (e.g. 19456 KiB with 2 passes)")

    def _validate_eid(self) -> None:
        if self.eid_server_url:
            parsed = urlparse(self.eid_server_url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError("EID_SERVER_URL must be an absolute https URL")
            # Personal data from the card travels in the responses; plain http is only
            # for a simulator on this machine.
            if parsed.scheme == "http" and parsed.hostname not in _LOCAL_HOSTS:
                raise ValueError("EID_SERVER_URL must use https outside the local machine")
        if bool(self.eid_tls_client_cert) != bool(self.eid_tls_client_key):
            raise ValueError("EID_TLS_CLIENT_CERT and EID_TLS_CLIENT_KEY must be set together "
                             "(TLS client certificate and its key) or not at all")
        if self.eid_signature_key_reference not in EID_KEY_REFERENCES:
            raise ValueError(f"EID_SIGNATURE_KEY_REFERENCE must be one of {', '.join(EID_KEY_REFERENCES)}, "
                             f"not {self.eid_signature_key_reference!r}")

    def _validate_elster(self) -> None:
        if bool(self.elster_sp_key) != bool(self.elster_sp_cert):
            raise ValueError("ELSTER_SP_KEY and ELSTER_SP_CERT must be set together (our SAML key and its "
                             "certificate, as registered with ELSTER) or not at all")
        if not self.elster_metadata or "://" not in self.elster_metadata:
            return
        parsed = urlparse(self.elster_metadata)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("ELSTER_METADATA must be an https URL or a file")
        if parsed.scheme == "http" and parsed.hostname not in _LOCAL_HOSTS:
            raise ValueError("ELSTER_METADATA must use https outside the local machine")
        if self.is_production and not self.elster_metadata_signer:
            # Fetched metadata names the keys every ELSTER login is checked with.
            raise ValueError("ELSTER_METADATA from a URL needs ELSTER_METADATA_SIGNER (the pinned certificate "
                             "that signs ELSTER's metadata)")

    def _validate_wallet(self) -> None:
        if bool(self.wallet_verifier_key) != bool(self.wallet_verifier_cert):
            raise ValueError("WALLET_VERIFIER_KEY and WALLET_VERIFIER_CERT must be set together (our verifier key "
                             "and its certificate chain) or not at all")
        if bool(self.wallet_verifier_key) != bool(self.wallet_trust_anchors):
            # A verifier without trust anchors would accept no PID; anchors without a
            # verifier key could not ask for one.
            raise ValueError("WALLET_PID_TRUST_ANCHORS and WALLET_VERIFIER_KEY/WALLET_VERIFIER_CERT must be set "
                             "together or not at all")
        parsed = urlparse(self.wallet_link_base)
        if not re.fullmatch(r"[a-z][a-z0-9+.-]*", parsed.scheme or "") or "?" in self.wallet_link_base \
                or "#" in self.wallet_link_base:
            raise ValueError("WALLET_LINK_BASE must be a scheme like openid4vp:// or an https URL without query")
        if parsed.scheme == "http" and parsed.hostname not in _LOCAL_HOSTS:
            raise ValueError("WALLET_LINK_BASE must use https outside the local machine")

    @property
    def wallet_configured(self) -> bool:
        return bool(self.wallet_trust_anchors and self.wallet_verifier_key and self.wallet_verifier_cert)

    @property
    def eid_configured(self) -> bool:
        return bool(self.eid_server_url and self.eid_client_key and self.eid_client_cert and self.eid_server_cert)

    @property
    def is_production(self) -> bool:
        return urlparse(self.issuer).scheme == "https"

    def resolved_secret_key(self) -> str:
        """SECRET_KEY from the environment, else one kept next to the signing keys.

        A generated key survives restarts so sessions do not all end on redeploy,
        and it never lands in the repository because keys/ is ignored.
        """
        if self.secret_key:
            return self.secret_key
        path = self.keys_dir / "secret_key"
        if not path.exists():
            self.keys_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
        return path.read_text().strip()
