"""What the federation keeps: its partners, the links of accounts to remote identities,
the logins in flight in either direction, and the assertion IDs already used."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idp.accounts.models import new_id
from idp.extensions import db
from idp.timeutil import utcnow


class FederationPartner(db.Model):
    """Another state's Servicekonto. For SAML `entity_id` is its entity ID and
    `metadata_xml` the metadata snapshot the operator accepted; for OIDC `entity_id`
    is its issuer and `discovery` the discovery document."""

    __tablename__ = "federation_partner"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(128))  # shown to citizens, e.g. "Land B"
    protocol: Mapped[str] = mapped_column(String(8))  # saml | oidc
    entity_id: Mapped[str] = mapped_column(String(512), unique=True)
    source: Mapped[str] = mapped_column(Text)  # where the metadata came from (URL or file)
    metadata_xml: Mapped[str | None] = mapped_column(Text)
    # The certificate (PEM) whose signature the SAML metadata must carry, if the
    # operator named one: the federation's metadata signer or the partner's own key.
    metadata_signer: Mapped[str | None] = mapped_column(Text)
    discovery: Mapped[dict | None] = mapped_column(JSON)
    client_id: Mapped[str | None] = mapped_column(String(255))
    client_secret: Mapped[str | None] = mapped_column(String(255))
    # The most this IdP believes the partner for, whatever it asserts (SPEC §2).
    max_level: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FederatedLink(db.Model):
    """An account here linked to a person at a partner. Only a keyed digest of the
    partner's subject is kept: it is needed to recognise the person, never to show."""

    __tablename__ = "federated_link"
    __table_args__ = (UniqueConstraint("partner_id", "subject_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("federation_partner.id", ondelete="CASCADE"))
    subject_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FederationLogin(db.Model):
    """A login at a partner in flight (relying side), bound to the browser that
    started it, and after the return the remote identity waiting for take-over."""

    __tablename__ = "federation_login"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the RelayState / OIDC state carrier
    browser_digest: Mapped[str] = mapped_column(String(64))
    partner_id: Mapped[str] = mapped_column(ForeignKey("federation_partner.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # login | link
    # The account that asked to link (purpose link); the person must still be it on return.
    account_id: Mapped[str | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    request_id: Mapped[str | None] = mapped_column(String(128))  # SAML AuthnRequest ID
    pending: Mapped[dict | None] = mapped_column(JSON)  # OIDC state, nonce, PKCE verifier
    record_id: Mapped[str | None] = mapped_column(String(64))  # the waiting OIDC authorization request
    next_url: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int | None] = mapped_column(Integer)  # the level asked of the partner
    result: Mapped[dict | None] = mapped_column(JSON)  # the remote identity, until take-over
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssertionRequest(db.Model):
    """A partner's SAML AuthnRequest waiting for the citizen's login and consent here
    (asserting side)."""

    __tablename__ = "federation_assertion_request"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_digest: Mapped[str] = mapped_column(String(64))
    partner_id: Mapped[str] = mapped_column(ForeignKey("federation_partner.id", ondelete="CASCADE"))
    request_id: Mapped[str] = mapped_column(String(256))
    acs_url: Mapped[str] = mapped_column(Text)
    relay_state: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int | None] = mapped_column(Integer)
    # [[name, required], ...] in the request's order.
    attributes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsedAssertion(db.Model):
    """Assertion IDs already accepted, until they would have expired anyway: a
    replayed assertion is refused (SAML Profiles 4.1.4.5)."""

    __tablename__ = "federation_used_assertion"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()


class UsedAuthnRequest(db.Model):
    """AuthnRequest IDs already accepted at the SSO endpoint (asserting side), per
    partner, until the request would be refused as too old anyway: a request captured
    and sent again starts no second login (SAML Core 1.3.4, ID uniqueness)."""

    __tablename__ = "federation_used_authn_request"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column()
