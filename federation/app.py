"""Wiring federation into the app: this IdP's names and endpoints as partners see
them, its SAML keys, its metadata, its blueprints and its section of the operator
console."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from idp.config import Settings
from idp.i18n import _
from idp.timeutil import utcnow

from .attributes import BY_NAME, REQUESTED
from .credentials import KeySet, SamlCredentials
from .saml.metadata import build_metadata

METADATA_VALIDITY = timedelta(days=7)
# Partners refresh daily; rebuilt this often, what they fetch is always valid for
# nearly the whole METADATA_VALIDITY.
METADATA_REBUILD = timedelta(days=1)


@dataclass
class FederationServices:
    settings: Settings
    credentials: SamlCredentials
    # The metadata, the key set it was built from, and when.
    _metadata: tuple[KeySet, datetime, bytes] | None = field(default=None, repr=False)

    @property
    def entity_id(self) -> str:
        # The metadata URL names the entity: partners can always fetch what it says.
        return self.settings.issuer + "/saml/metadata"

    @property
    def acs_url(self) -> str:
        return self.settings.issuer + "/saml/acs"

    @property
    def sso_url(self) -> str:
        return self.settings.issuer + "/saml/sso"

    @property
    def oidc_redirect_uri(self) -> str:
        return self.settings.issuer + "/anmelden/servicekonto/rueckkehr"

    def metadata(self) -> bytes:
        """Signed metadata for both roles. Built again when the key pairs changed (a
        rollover step by the CLI: it names every published certificate) and daily
        (its validUntil must move on in a long-running process)."""
        keys = self.credentials.keys()
        now = utcnow()
        cached = self._metadata
        if cached is None or cached[0] is not keys or now - cached[1] >= METADATA_REBUILD:
            xml = build_metadata(
                entity_id=self.entity_id, signing=keys.signing,
                extra_signing_certs=keys.published_signing_certs[1:],
                encryption_certs=keys.published_encryption_certs, sso_redirect_url=self.sso_url,
                sso_post_url=self.sso_url, acs_url=self.acs_url,
                requested_attributes=[(name, BY_NAME[name].friendly_name, required) for name, required in REQUESTED],
                display_name=self.settings.display_name, service_name=self.settings.display_name,
                organization_url=self.settings.issuer, valid_for=METADATA_VALIDITY,
                now=now.replace(tzinfo=timezone.utc))
            self._metadata = cached = (keys, now, xml)
        return cached[2]


def init_app(app) -> None:
    settings: Settings = app.config["SERVICEKONTO"]
    credentials = SamlCredentials(settings.keys_dir, settings.display_name)
    credentials.ensure()
    app.extensions["servicekonto.federation"] = FederationServices(settings, credentials)

    from idp.operations.web import add_section

    from .operator_views import bp as operator_bp
    from .saml_idp_views import bp as saml_idp_bp
    from .views import bp as federation_bp

    app.register_blueprint(federation_bp)
    app.register_blueprint(saml_idp_bp)
    app.register_blueprint(operator_bp)
    add_section(app, _("Föderationspartner"), "betrieb_partner.index", after="betrieb_dienste.index")
