"""The relying side over SAML: an AuthnRequest to a partner state's IdP and its
Response read back into a `RemoteIdentity`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from idp.extensions import db
from idp.i18n import _
from idp.loa import Level
from idp.secrets import digest
from idp.timeutil import utcnow

from . import broker, levels, partners, replay
from .attributes import BPK2, BY_NAME, REQUESTED
from .models import FederationLogin, FederationPartner, UsedAssertion
from .remote import RemoteAttribute, RemoteIdentity
from .saml import bindings, messages
from .saml.errors import SamlError
from .saml.namespaces import HTTP_REDIRECT, NAMEID_PERSISTENT
from .saml.keys import KeyPair



def request_url(partner: FederationPartner, login: FederationLogin, *, sp_entity_id: str, acs_url: str,
                signing: KeyPair, level: Level | None) -> str:
    """Where to send the browser: the partner's SSO endpoint (HTTP-Redirect) with a
    signed AuthnRequest asking for `level` at least; the request ID is kept in the
    login so that only the answer to it is accepted."""
    metadata = partners.saml_metadata(partner)
    endpoint = next((e for e in metadata.sso_endpoints if e.binding == HTTP_REDIRECT), None)
    if endpoint is None:
        raise partners.PartnerError(_("Das andere Servicekonto nimmt keine Anfragen per HTTP-Redirect an."))
    request_id, element = messages.build_authn_request(
        sp_entity_id=sp_entity_id, acs_url=acs_url, destination=endpoint.location,
        class_refs=levels.requested_class_refs(level) if level else [], requested_attributes=list(REQUESTED))
    login.request_id = request_id
    db.session.commit()
    return bindings.redirect_url(endpoint.location, element, login.id, signing)


def first_use(assertion_id: str, not_on_or_after: datetime) -> bool:
    """Record an assertion ID; False if it was seen before (a replay)."""
    return replay.remember(UsedAssertion(digest=digest(assertion_id),
                                         expires_at=not_on_or_after.replace(tzinfo=None)))


def read_response(partner: FederationPartner, login: FederationLogin, saml_response: str, *, sp_entity_id: str,
                  acs_url: str, decryption_keys: list[KeyPair]) -> RemoteIdentity:
    try:
        return _read_response(partner, login, saml_response, sp_entity_id=sp_entity_id, acs_url=acs_url,
                              decryption_keys=decryption_keys)
    except SamlError as exc:
        broker.refused(partner, exc.code)
        raise


def _read_response(partner: FederationPartner, login: FederationLogin, saml_response: str, *, sp_entity_id: str,
                   acs_url: str, decryption_keys: list[KeyPair]) -> RemoteIdentity:
    result = messages.parse_response(
        bindings.decode_post(saml_response), idp=partners.saml_metadata(partner), sp_entity_id=sp_entity_id,
        acs_url=acs_url, expected_request_id=login.request_id, decryption_keys=decryption_keys,
        first_use=first_use)
    attributes: list[RemoteAttribute] = []
    subject = result.name_id if result.name_id_format == NAMEID_PERSISTENT else None
    for attribute in result.attributes:
        if not attribute.values:
            continue
        if attribute.name == BPK2:
            subject = subject or attribute.values[0]
        elif (known := BY_NAME.get(attribute.name)) is not None:
            level = levels.level_of(attribute.trust_level)
            attributes.extend(RemoteAttribute(n, v, level) for n, v in known.into(attribute.values[0]).items() if v)
    if not subject:
        raise SamlError("neither a persistent NameID nor a bPK2", code="no_subject")
    return RemoteIdentity(partner_id=partner.id, subject=subject, level=levels.level_of(result.class_ref),
                          attributes=tuple(attributes), auth_time=result.authn_instant)


def purge() -> int:
    result = db.session.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < utcnow()))
    db.session.commit()
    return result.rowcount or 0
