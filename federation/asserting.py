"""The asserting side (TR-03160-2): another state's Servicekonto asks this IdP, over
SAML, who a citizen is.

The request is checked against the partner's metadata and kept, bound to the
browser, while the citizen logs in here (freshly: no single sign-on on this side) and
decides on the consent page which of the optional data go. The answer carries only
the granted attributes, each with its level, signed and encrypted for the partner.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta, timezone

from sqlalchemy import delete

from idp import audit
from idp.accounts.models import Account
from idp.extensions import db
from idp.i18n import _
from idp.loa import Level
from idp.oidc.server import subject_for
from idp.organisations.entitlements import is_organisation_account
from idp.secrets import digest, new_secret
from idp.timeutil import utcnow

from . import levels, partners, replay
from .attributes import BPK2, BY_NAME, TRUST_LEVEL, label
from .models import AssertionRequest, FederationPartner, UsedAuthnRequest
from .saml import messages
from .saml.bindings import post_fields
from .saml.keys import KeyPair
from .saml.messages import ParsedAuthnRequest

VALIDITY = timedelta(minutes=30)
_STATUS = "urn:oasis:names:tc:SAML:2.0:status:"
# (top-level, second-level) status codes, SAML Core 3.2.2.2
DENIED = (_STATUS + "Requester", _STATUS + "RequestDenied")
NO_AUTHN_CONTEXT = (_STATUS + "Responder", _STATUS + "NoAuthnContext")
NO_PASSIVE = (_STATUS + "Responder", _STATUS + "NoPassive")


@dataclass(frozen=True)
class Datum:
    """One requested attribute as the consent page shows it."""

    name: str
    label: str
    value: str | None  # None: this account has no such datum
    level: Level | None
    required: bool


def _first_use(parsed: ParsedAuthnRequest, partner: FederationPartner) -> bool:
    """Record the request's ID for as long as the request would be accepted; False if
    the partner's request with this ID was accepted before (a replay)."""
    expires = (parsed.acceptable_until or utcnow()).astimezone(timezone.utc).replace(tzinfo=None)
    return replay.remember(UsedAuthnRequest(digest=digest(f"{partner.entity_id}\n{parsed.id}"), expires_at=expires))


def keep(parsed: ParsedAuthnRequest, partner: FederationPartner) -> AssertionRequest | None:
    """Keep a checked request until the citizen has logged in and decided; None for
    a request whose ID was seen before. It belongs to no browser yet: the request
    arrives cross-site, and `claim` binds it."""
    if not _first_use(parsed, partner):
        return None
    pending = AssertionRequest(
        id=new_secret(24), browser_digest="", partner_id=partner.id, request_id=parsed.id,
        acs_url=parsed.acs_url, relay_state=parsed.relay_state,
        level=int(lvl) if (lvl := levels.required_level(parsed.class_refs, parsed.comparison)) else None,
        attributes=[[name, bool(required)] for name, required in parsed.requested_attributes])
    db.session.add(pending)
    db.session.commit()
    return pending


def _fresh(request_id: str | None) -> AssertionRequest | None:
    pending = db.session.get(AssertionRequest, request_id or "")
    if pending is None or pending.created_at < utcnow() - VALIDITY:
        return None
    return pending


def claim(request_id: str, browser_secret: str | None) -> tuple[AssertionRequest | None, str | None]:
    """The first browser to open the request owns it (it is the one the partner
    redirected); returns the request and, when just claimed, the secret to keep."""
    pending = _fresh(request_id)
    if pending is None:
        return None, None
    if not pending.browser_digest:
        secret = new_secret()
        pending.browser_digest = digest(secret)
        db.session.commit()
        return pending, secret
    return (pending, None) if find(request_id, browser_secret) else (None, None)


def find(request_id: str | None, browser_secret: str | None) -> AssertionRequest | None:
    pending = _fresh(request_id)
    if pending is None or not browser_secret or not pending.browser_digest:
        return None
    if not hmac.compare_digest(pending.browser_digest, digest(browser_secret)):
        return None
    return pending


def may_assert(account: Account) -> bool:
    """TR-03160 connects the states' citizen accounts. An organisation account speaks
    for its organisation, not as a citizen, so it is never asserted to a state."""
    return not is_organisation_account(account)


def required_level(pending: AssertionRequest) -> Level:
    return Level(pending.level) if pending.level else Level.NIEDRIG


def _values(account: Account) -> dict[str, str]:
    return {a.name: a.value for a in account.attributes}


def _level(account: Account, sources: tuple[str, ...], session_level: Level) -> Level:
    found = [a.level for a in (account.attribute(s) for s in sources) if a is not None]
    return min(Level(min(found)), session_level) if found else Level.NIEDRIG


def data(pending: AssertionRequest, account: Account, session_level: Level) -> list[Datum]:
    """What the partner asked for, with this account's values at the level they can
    be asserted: never above the level of the login that answers (TR-03160-1)."""
    values = _values(account)
    out = []
    for name, required in pending.attributes:
        if name == BPK2:
            out.append(Datum(name, label(name), _("(wird für das andere Servicekonto gebildet)"), session_level,
                             required))
        elif name == TRUST_LEVEL:
            out.append(Datum(name, label(name), session_level.label, session_level, required))
        elif (attribute := BY_NAME.get(name)) is not None:
            value = attribute.out(values)
            out.append(Datum(name, attribute.label, value,
                             _level(account, attribute.sources, session_level) if value else None, required))
    return out


def answer(pending: AssertionRequest, account: Account, session_level: Level, granted: set[str], *,
           idp_entity_id: str, signing: KeyPair) -> tuple[str, dict[str, str]]:
    """The signed, encrypted Response with the required and the granted optional
    attributes; returns the ACS URL and the HTTP-POST form fields."""
    partner = partners.get(pending.partner_id)
    metadata = partners.saml_metadata(partner)
    name_id = subject_for(partner.entity_id, account.id)
    out = []
    for datum in data(pending, account, session_level):
        if datum.value is None or not (datum.required or datum.name in granted):
            continue
        value = name_id if datum.name == BPK2 else (
            levels.class_ref(session_level) if datum.name == TRUST_LEVEL else datum.value)
        friendly = BY_NAME[datum.name].friendly_name if datum.name in BY_NAME else (
            "bPK2" if datum.name == BPK2 else "EID-CITIZEN-QAA-LEVEL")
        out.append((datum.name, friendly, [value], levels.class_ref(datum.level or Level.NIEDRIG)))
    response = messages.build_response(
        idp_entity_id=idp_entity_id, in_response_to=pending.request_id, acs_url=pending.acs_url,
        sp_entity_id=partner.entity_id, sp_encryption_cert=metadata.sp_encryption_certs[0], signing=signing,
        name_id=name_id, class_ref=levels.class_ref(session_level), attributes=out)
    audit.record("federation.asserted", account_id=account.id, partner=partner.id, level=session_level.word,
                 fields=sorted(friendly for _, friendly, *_ in out))
    return _post(pending, response)


def refuse(pending: AssertionRequest, status: tuple[str, str], *, idp_entity_id: str, signing: KeyPair,
           message: str | None = None) -> tuple[str, dict[str, str]]:
    response = messages.build_error_response(
        idp_entity_id=idp_entity_id, in_response_to=pending.request_id, acs_url=pending.acs_url, signing=signing,
        status_code=status[0], second_level=status[1], message=message)
    return _post(pending, response)


def _post(pending: AssertionRequest, response) -> tuple[str, dict[str, str]]:
    acs_url = pending.acs_url
    fields = post_fields(response, pending.relay_state, "SAMLResponse")
    # The request is answered once; a reload of the page cannot send a second answer.
    db.session.delete(pending)
    db.session.commit()
    return acs_url, fields


def purge() -> int:
    result = db.session.execute(delete(AssertionRequest).where(AssertionRequest.created_at < utcnow() - VALIDITY))
    db.session.commit()
    return result.rowcount or 0


def purge_used_ids() -> int:
    result = db.session.execute(delete(UsedAuthnRequest).where(UsedAuthnRequest.expires_at < utcnow()))
    db.session.commit()
    return result.rowcount or 0
