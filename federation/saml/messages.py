"""The messages of Web Browser SSO (saml-profiles-2.0-os 4.1) for both sides.

Relying side (we log a citizen in through another state's account):
`build_authn_request` and `parse_response`. Asserting side (another state's account
logs its citizen in through us): `parse_authn_request` and `build_response` /
`build_error_response`.

Profile of the federation (TR-03160-2): AuthnRequests are signed; assertions are
signed over the whole assertion and then encrypted for the relying party; the
Response around them is signed too. A response is only ever read through the
elements that `xmldsig.verify` returned, after decryption, so whatever an attacker
adds around the signed parts (signature wrapping) is never looked at.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from . import bindings, safexml, schema, xmldsig, xmlenc
from .errors import (
    ExpiredMessage,
    MalformedMessage,
    MessageRefused,
    ReplayedAssertion,
    SamlStatusError,
    SignatureRefused,
    UnknownPartner,
)
from .keys import CertificateLike, KeyPair
from .metadata import EntityMetadata
from .namespaces import (
    AKDB,
    ATTRNAME_URI,
    CM_BEARER,
    HTTP_POST,
    HTTP_REDIRECT,
    NAMEID_ENTITY,
    NAMEID_PERSISTENT,
    SAML,
    SAMLP,
    STATUS_SUCCESS,
    TOP_LEVEL_STATUS,
    XS,
    XSI,
    q,
)

DEFAULT_SKEW = timedelta(seconds=90)
# How old an AuthnRequest may be when it arrives: the browser carries it at once.
DEFAULT_REQUEST_MAX_AGE = timedelta(minutes=5)
COMPARISONS = ("exact", "minimum", "maximum", "better")


# -- results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SamlAttribute:
    name: str
    friendly_name: str | None
    values: tuple[str, ...]
    trust_level: str | None  # akdb:TrustLevel, e.g. "STORK-QAA-Level-3"


@dataclass(frozen=True)
class AssertionResult:
    """What a verified, decrypted assertion says. `class_ref` is raw (STORK-QAA-Level-n
    or an eIDAS LoA URI): mapping it to a level is the caller's business."""

    issuer: str
    name_id: str
    name_id_format: str | None
    class_ref: str
    authn_instant: datetime
    session_index: str | None
    attributes: tuple[SamlAttribute, ...]
    assertion_id: str
    not_on_or_after: datetime

    def attribute(self, name: str) -> SamlAttribute | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True)
class ParsedAuthnRequest:
    """A verified AuthnRequest of a known partner, with the ACS URL to answer to."""

    id: str
    issuer: str
    sp: EntityMetadata
    acs_url: str
    class_refs: tuple[str, ...]
    comparison: str
    force_authn: bool
    relay_state: str | None
    requested_attributes: tuple[tuple[str, bool], ...]
    is_passive: bool = False
    name_id_format: str | None = None  # NameIDPolicy/@Format, if the SP asked for one
    binding: str = HTTP_POST
    # Until when the request would be accepted as fresh: its ID must be remembered so long.
    acceptable_until: datetime | None = None


# -- small helpers ---------------------------------------------------------------------
def _children(parent: etree._Element, ns: str, name: str) -> list[etree._Element]:
    tag = q(ns, name)
    return [child for child in parent if child.tag == tag]


def _child(parent: etree._Element, ns: str, name: str) -> etree._Element | None:
    found = _children(parent, ns, name)
    return found[0] if found else None


def _text(node: etree._Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def _time(node: etree._Element, attribute: str) -> datetime | None:
    value = node.get(attribute)
    if value is None:
        return None
    try:
        return safexml.parse_datetime(value)
    except ValueError as exc:
        raise MalformedMessage(f"{attribute} is not a usable dateTime: {value!r}") from exc


def _boolean(value: str | None) -> bool:
    return (value or "").strip() in ("true", "1")


def _issuer(element: etree._Element) -> str:
    issuer = _child(element, SAML, "Issuer")
    if issuer is None:
        return ""
    if issuer.get("Format") not in (None, NAMEID_ENTITY):
        raise MessageRefused(f"Issuer of format {issuer.get('Format')!r}", code="issuer")
    return _text(issuer)


def _issuer_element(parent: etree._Element, entity_id: str) -> None:
    etree.SubElement(parent, q(SAML, "Issuer")).text = entity_id


def _base(tag: str, nsmap: dict, now: datetime) -> etree._Element:
    element = etree.Element(tag, nsmap=nsmap)
    element.set("ID", safexml.new_id())
    element.set("Version", "2.0")
    element.set("IssueInstant", safexml.format_datetime(now))
    return element


# -- relying side: AuthnRequest out ----------------------------------------------------
def build_authn_request(
    *,
    sp_entity_id: str,
    acs_url: str,
    destination: str,
    class_refs: Sequence[str],
    comparison: str = "minimum",
    requested_attributes: Sequence[tuple[str, bool]] | None = None,
    force_authn: bool = False,
    now: datetime | None = None,
) -> tuple[str, etree._Element]:
    """(request ID, unsigned samlp:AuthnRequest).

    Send it with `bindings.redirect_url` (which signs the query), or sign it with
    `xmldsig.sign` and send it with `bindings.post_fields`. Keep the ID: the response
    must answer exactly it.
    """
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}")
    now = safexml.aware(now or safexml.utcnow())
    request = _base(q(SAMLP, "AuthnRequest"), {"samlp": SAMLP, "saml": SAML}, now)
    request.set("Destination", destination)
    request.set("AssertionConsumerServiceURL", acs_url)
    request.set("ProtocolBinding", HTTP_POST)
    if force_authn:
        request.set("ForceAuthn", "true")
    _issuer_element(request, sp_entity_id)
    if requested_attributes:
        extensions = etree.SubElement(request, q(SAMLP, "Extensions"))
        akdb_request = etree.SubElement(extensions, q(AKDB, "AuthenticationRequest"), nsmap={"akdb": AKDB})
        akdb_request.set("Version", "2")
        wanted = etree.SubElement(akdb_request, q(AKDB, "RequestedAttributes"))
        for name, required in requested_attributes:
            node = etree.SubElement(wanted, q(AKDB, "RequestedAttribute"))
            node.set("Name", name)
            node.set("RequiredAttribute", "true" if required else "false")
    policy = etree.SubElement(request, q(SAMLP, "NameIDPolicy"))
    policy.set("Format", NAMEID_PERSISTENT)
    policy.set("AllowCreate", "true")
    if class_refs:
        context = etree.SubElement(request, q(SAMLP, "RequestedAuthnContext"))
        context.set("Comparison", comparison)
        for class_ref in class_refs:
            etree.SubElement(context, q(SAML, "AuthnContextClassRef")).text = class_ref
    return request.get("ID"), request


# -- relying side: Response in ---------------------------------------------------------
def parse_response(
    raw_xml: bytes,
    *,
    idp: EntityMetadata,
    sp_entity_id: str,
    acs_url: str,
    expected_request_id: str,
    decryption_keys: Sequence[KeyPair],
    first_use: Callable[[str, datetime], bool],
    now: datetime | None = None,
    skew: timedelta = DEFAULT_SKEW,
) -> AssertionResult:
    """Verify and read the Response to our AuthnRequest `expected_request_id`.

    `first_use(assertion_id, remember_until)` records the ID and answers False if it
    was seen before; it must remember the ID until `remember_until`, after which the
    assertion is refused as expired anyway. Raises a SamlError subclass for each
    refusal, SamlStatusError when the partner reports a failure (`.cancelled` when the
    citizen cancelled there). A failure status is believed without a signature: it
    can only end a login that is ours (Destination, InResponseTo), never start one.
    """
    now = safexml.aware(now or safexml.utcnow())
    response = safexml.parse(raw_xml)
    if response.tag != q(SAMLP, "Response"):
        raise MalformedMessage(f"not a samlp:Response: {response.tag}")
    schema.validate(response)
    # Prefixes in scope where the assertion arrived; the signed copy below keeps only
    # those it visibly uses, and a sender's plaintext may rely on others.
    received_scope = {
        prefix: uri for node in _children(response, SAML, "EncryptedAssertion") for prefix, uri in node.nsmap.items()
    }
    if xmldsig.is_signed(response):
        # Optional by profile, but if present it must be right; then only the signed
        # copy is read from here on.
        response = xmldsig.verify(response, idp.idp_signing_certs)

    if _issuer(response) != idp.entity_id:
        raise MessageRefused(f"Response issued by {_issuer(response)!r}, expected {idp.entity_id!r}",
                             code="issuer")
    if response.get("Destination") != acs_url:
        raise MessageRefused(f"Response for {response.get('Destination')!r}, not {acs_url!r}",
                             code="destination")
    in_response_to = response.get("InResponseTo")
    if not in_response_to:
        raise MessageRefused("unsolicited Response (no InResponseTo)", code="unsolicited")
    if in_response_to != expected_request_id:
        raise MessageRefused(f"Response answers {in_response_to!r}, not {expected_request_id!r}",
                             code="in_response_to")
    issued = _time(response, "IssueInstant")
    if issued is not None and issued > now + skew:
        raise ExpiredMessage(f"Response issued in the future ({issued.isoformat()})", code="not_yet_valid")
    _check_status(response)

    if _children(response, SAML, "Assertion"):
        raise MessageRefused("plain (unencrypted) Assertion refused", code="unencrypted")
    encrypted = _children(response, SAML, "EncryptedAssertion")
    if len(encrypted) != 1:
        raise MessageRefused(f"expected exactly one EncryptedAssertion, found {len(encrypted)}",
                             code="assertion_count")
    assertion = xmlenc.decrypt_assertion(encrypted[0], decryption_keys, namespaces=received_scope)
    schema.validate(assertion)
    if not xmldsig.is_signed(assertion):
        raise SignatureRefused("assertion is not signed")
    assertion = xmldsig.verify(assertion, idp.idp_signing_certs)
    return _read_assertion(
        assertion, idp=idp, sp_entity_id=sp_entity_id, acs_url=acs_url,
        expected_request_id=expected_request_id, now=now, skew=skew, first_use=first_use,
    )


def _check_status(response: etree._Element) -> None:
    codes: list[str] = []
    node = _child(response, SAMLP, "Status")
    status = node
    while node is not None:
        node = _child(node, SAMLP, "StatusCode")
        if node is not None:
            codes.append(node.get("Value", ""))
    if codes[:1] != [STATUS_SUCCESS]:
        message = _text(_child(status, SAMLP, "StatusMessage")) if status is not None else ""
        raise SamlStatusError(codes or ["(none)"], message or None)


def _read_assertion(
    assertion: etree._Element,
    *,
    idp: EntityMetadata,
    sp_entity_id: str,
    acs_url: str,
    expected_request_id: str,
    now: datetime,
    skew: timedelta,
    first_use: Callable[[str, datetime], bool],
) -> AssertionResult:
    if assertion.get("Version") != "2.0":
        raise MessageRefused(f"assertion version {assertion.get('Version')!r}", code="version")
    issuer = _issuer(assertion)
    if issuer != idp.entity_id:
        raise MessageRefused(f"assertion issued by {issuer!r}, expected {idp.entity_id!r}", code="issuer")
    assertion_id = assertion.get("ID", "")
    issued = _time(assertion, "IssueInstant")
    if issued is not None and issued > now + skew:
        raise ExpiredMessage(f"assertion issued in the future ({issued.isoformat()})", code="not_yet_valid")

    subject = _child(assertion, SAML, "Subject")
    if subject is None:
        raise MessageRefused("assertion without Subject", code="subject")
    name_id = _child(subject, SAML, "NameID")
    if name_id is None or not _text(name_id):
        # EncryptedID and BaseID are not used in the federation.
        raise MessageRefused("Subject without a plain NameID", code="subject")
    confirmation_until = _check_confirmation(subject, acs_url, expected_request_id, now, skew)
    conditions_until = _check_conditions(assertion, sp_entity_id, now, skew)

    statements = _children(assertion, SAML, "AuthnStatement")
    if not statements:
        raise MessageRefused("assertion without AuthnStatement", code="authn_statement")
    statement = statements[0]
    session_end = _time(statement, "SessionNotOnOrAfter")
    if session_end is not None and now >= session_end + skew:
        raise ExpiredMessage("session at the asserting party has ended")
    context = _child(statement, SAML, "AuthnContext")
    class_ref = _text(_child(context, SAML, "AuthnContextClassRef")) if context is not None else ""
    if not class_ref:
        raise MessageRefused("AuthnStatement without AuthnContextClassRef", code="authn_statement")

    attributes: list[SamlAttribute] = []
    for attribute_statement in _children(assertion, SAML, "AttributeStatement"):
        if _children(attribute_statement, SAML, "EncryptedAttribute"):
            raise MessageRefused("EncryptedAttribute is not supported", code="encrypted_attribute")
        for attribute in _children(attribute_statement, SAML, "Attribute"):
            attributes.append(SamlAttribute(
                name=attribute.get("Name", ""),
                friendly_name=attribute.get("FriendlyName"),
                values=tuple(
                    "".join(value.itertext()).strip()
                    for value in _children(attribute, SAML, "AttributeValue")
                    if not _boolean(value.get(q(XSI, "nil")))
                ),
                trust_level=attribute.get(q(AKDB, "TrustLevel")),
            ))

    # Done last, so a refused assertion does not use up its ID.
    remember_until = min(confirmation_until, conditions_until) + skew
    if not first_use(assertion_id, remember_until):
        raise ReplayedAssertion(f"assertion {assertion_id!r} was already used")
    return AssertionResult(
        issuer=issuer,
        name_id=_text(name_id),
        name_id_format=name_id.get("Format"),
        class_ref=class_ref,
        authn_instant=_time(statement, "AuthnInstant"),
        session_index=statement.get("SessionIndex"),
        attributes=tuple(attributes),
        assertion_id=assertion_id,
        not_on_or_after=conditions_until,
    )


def _check_confirmation(
    subject: etree._Element, acs_url: str, request_id: str, now: datetime, skew: timedelta
) -> datetime:
    """NotOnOrAfter of the bearer confirmation that holds (profiles 4.1.4.2)."""
    failure: MessageRefused | None = None
    for confirmation in _children(subject, SAML, "SubjectConfirmation"):
        if confirmation.get("Method") != CM_BEARER:
            continue
        data = _child(confirmation, SAML, "SubjectConfirmationData")
        problem: MessageRefused | None = None
        not_on_or_after = _time(data, "NotOnOrAfter") if data is not None else None
        not_before = _time(data, "NotBefore") if data is not None else None
        if data is None or not_on_or_after is None:
            problem = MessageRefused("bearer confirmation without NotOnOrAfter", code="subject")
        elif data.get("Recipient") != acs_url:
            problem = MessageRefused(f"bearer confirmation for {data.get('Recipient')!r}, not {acs_url!r}",
                                     code="recipient")
        elif data.get("InResponseTo") != request_id:
            problem = MessageRefused(
                f"bearer confirmation answers {data.get('InResponseTo')!r}, not {request_id!r}",
                code="in_response_to" if data.get("InResponseTo") else "unsolicited",
            )
        elif now >= not_on_or_after + skew:
            problem = ExpiredMessage(f"bearer confirmation expired at {not_on_or_after.isoformat()}")
        elif not_before is not None and not_before > now + skew:
            problem = ExpiredMessage("bearer confirmation not yet valid", code="not_yet_valid")
        if problem is None:
            return not_on_or_after
        failure = failure or problem
    raise failure or MessageRefused("no bearer SubjectConfirmation", code="subject")


def _check_conditions(assertion: etree._Element, sp_entity_id: str, now: datetime, skew: timedelta) -> datetime:
    """NotOnOrAfter of the Conditions, once all of them hold (core 2.5.1)."""
    conditions = _child(assertion, SAML, "Conditions")
    if conditions is None:
        raise MessageRefused("assertion without Conditions", code="audience")
    not_before = _time(conditions, "NotBefore")
    not_on_or_after = _time(conditions, "NotOnOrAfter")
    if not_before is not None and not_before > now + skew:
        raise ExpiredMessage(f"assertion valid only from {not_before.isoformat()}", code="not_yet_valid")
    if not_on_or_after is None:
        raise MessageRefused("Conditions without NotOnOrAfter", code="expired")
    if now >= not_on_or_after + skew:
        raise ExpiredMessage(f"assertion expired at {not_on_or_after.isoformat()}")
    restrictions = 0
    for condition in conditions:
        if condition.tag == q(SAML, "AudienceRestriction"):
            restrictions += 1
            audiences = {_text(a) for a in _children(condition, SAML, "Audience")}
            if sp_entity_id not in audiences:
                raise MessageRefused(f"assertion for audience {sorted(audiences)}, not us", code="audience")
        elif condition.tag in (q(SAML, "OneTimeUse"), q(SAML, "ProxyRestriction")):
            continue  # one-time use is what the replay check enforces anyway
        else:
            # core 2.5.1.1: a condition we do not understand makes the assertion invalid.
            raise MessageRefused(f"unknown condition {condition.tag}", code="conditions")
    if not restrictions:
        raise MessageRefused("assertion without AudienceRestriction", code="audience")
    return not_on_or_after


# -- asserting side: AuthnRequest in ---------------------------------------------------
def parse_authn_request(
    binding: str,
    data: str | Mapping[str, str],
    *,
    lookup: Callable[[str], EntityMetadata | None],
    sso_url: str,
    now: datetime | None = None,
    skew: timedelta = DEFAULT_SKEW,
    max_age: timedelta = DEFAULT_REQUEST_MAX_AGE,
) -> ParsedAuthnRequest:
    """Verify and read a partner's AuthnRequest that arrived at `sso_url`.

    HTTP-Redirect: `data` is the raw query string as received (still URL-encoded), so
    the signature is checked over the octets the partner signed. HTTP-POST: `data` is
    the form (`SAMLRequest`, optional `RelayState`); the AuthnRequest carries an
    enveloped signature. A signature is mandatory in both cases, made by one of the
    partner's signing keys from `lookup(issuer)`.
    """
    now = safexml.aware(now or safexml.utcnow())
    redirect = None
    if binding == HTTP_REDIRECT:
        if not isinstance(data, str):
            raise TypeError("HTTP-Redirect needs the raw query string")
        redirect = bindings.parse_redirect(data, "SAMLRequest")
        xml, relay_state = redirect.xml, redirect.relay_state
    elif binding == HTTP_POST:
        if isinstance(data, str) or "SAMLRequest" not in data:
            raise MalformedMessage("HTTP-POST form without SAMLRequest")
        xml = bindings.decode_post(data["SAMLRequest"])
        relay_state = data.get("RelayState")
        if relay_state is not None and len(relay_state.encode("utf-8")) > bindings.MAX_RELAY_STATE_BYTES:
            raise MessageRefused("RelayState longer than 80 bytes", code="relay_state")
    else:
        raise MessageRefused(f"binding {binding!r} not supported", code="binding")

    request = safexml.parse(xml)
    if request.tag != q(SAMLP, "AuthnRequest"):
        raise MalformedMessage(f"not a samlp:AuthnRequest: {request.tag}")
    schema.validate(request)
    # The issuer only picks the keys here; the signature then covers it.
    claimed = _issuer(request)
    sp = lookup(claimed) if claimed else None
    if sp is None:
        raise UnknownPartner(claimed or None)
    if redirect is not None:
        redirect.verify(sp.sp_signing_certs)
    else:
        request = xmldsig.verify(request, sp.sp_signing_certs)
        if _issuer(request) != sp.entity_id:
            raise MessageRefused("signed issuer differs from the looked-up partner", code="issuer")

    if request.get("Version") != "2.0":
        raise MessageRefused(f"AuthnRequest version {request.get('Version')!r}", code="version")
    if request.get("Destination") != sso_url:
        raise MessageRefused(f"AuthnRequest for {request.get('Destination')!r}, not {sso_url!r}",
                             code="destination")
    issued = _time(request, "IssueInstant")
    if issued > now + skew:
        raise ExpiredMessage(f"AuthnRequest issued in the future ({issued.isoformat()})", code="not_yet_valid")
    if issued < now - max_age - skew:
        raise ExpiredMessage(f"AuthnRequest issued at {issued.isoformat()} is too old")

    context = _child(request, SAMLP, "RequestedAuthnContext")
    class_refs = tuple(_text(n) for n in _children(context, SAML, "AuthnContextClassRef")) if context is not None else ()
    policy = _child(request, SAMLP, "NameIDPolicy")
    return ParsedAuthnRequest(
        id=request.get("ID", ""),
        issuer=sp.entity_id,
        sp=sp,
        acs_url=_acs_url(request, sp),
        class_refs=class_refs,
        comparison=(context.get("Comparison") or "exact") if context is not None else "exact",
        force_authn=_boolean(request.get("ForceAuthn")),
        relay_state=relay_state,
        requested_attributes=_requested(request, sp),
        is_passive=_boolean(request.get("IsPassive")),
        name_id_format=policy.get("Format") if policy is not None else None,
        binding=binding,
        acceptable_until=issued + max_age + skew,
    )


def _acs_url(request: etree._Element, sp: EntityMetadata) -> str:
    """Only an ACS from the partner's metadata, so an assertion can never be sent to an
    address an attacker put into a request (profiles 4.1.4.1)."""
    url = request.get("AssertionConsumerServiceURL")
    index = request.get("AssertionConsumerServiceIndex")
    binding = request.get("ProtocolBinding")
    if url is not None and index is not None:
        raise MessageRefused("both AssertionConsumerServiceURL and -Index", code="acs_url")
    if binding is not None and binding != HTTP_POST:
        raise MessageRefused(f"response binding {binding!r} not supported", code="binding")
    posts = [e for e in sp.acs_endpoints if e.binding == HTTP_POST]
    if url is not None:
        if any(e.location == url for e in posts):
            return url
        raise MessageRefused(f"ACS URL {url!r} is not in the partner's metadata", code="acs_url")
    if index is not None:
        for endpoint in posts:
            if str(endpoint.index) == index.strip():
                return endpoint.location
        raise MessageRefused(f"ACS index {index!r} is not in the partner's metadata", code="acs_url")
    default = sp.default_acs(HTTP_POST)
    if default is None:
        raise MessageRefused("partner's metadata has no HTTP-POST ACS", code="acs_url")
    return default.location


def _requested(request: etree._Element, sp: EntityMetadata) -> tuple[tuple[str, bool], ...]:
    extensions = _child(request, SAMLP, "Extensions")
    if extensions is not None:
        for akdb_request in _children(extensions, AKDB, "AuthenticationRequest"):
            for wanted in _children(akdb_request, AKDB, "RequestedAttributes"):
                found = tuple(
                    (node.get("Name", "").strip(), _boolean(node.get("RequiredAttribute")))
                    for node in _children(wanted, AKDB, "RequestedAttribute")
                    if node.get("Name", "").strip()
                )
                if found:
                    return found
    return tuple((a.name, a.required) for a in sp.requested_attributes)


# -- asserting side: Response out ------------------------------------------------------
AttributeSpec = tuple[str, str | None, Iterable[str] | str, str | None]


def build_assertion(
    *,
    idp_entity_id: str,
    in_response_to: str,
    acs_url: str,
    sp_entity_id: str,
    signing: KeyPair,
    name_id: str,
    name_id_format: str = NAMEID_PERSISTENT,
    class_ref: str,
    attributes: Sequence[AttributeSpec] = (),
    now: datetime | None = None,
    validity: timedelta = timedelta(minutes=5),
    authn_instant: datetime | None = None,
    session_index: str | None = None,
) -> etree._Element:
    """A signed, unencrypted saml:Assertion (build_response encrypts it).

    `attributes` are (name, friendly_name, values, trust_level); the trust level goes
    into akdb:TrustLevel on the saml:Attribute.
    """
    now = safexml.aware(now or safexml.utcnow())
    until = safexml.format_datetime(now + validity)
    # Every prefix the assertion uses is declared on it: it is encrypted on its own and
    # must read the same wherever it is decrypted.
    assertion = _base(q(SAML, "Assertion"), {"saml": SAML, "xs": XS, "xsi": XSI, "akdb": AKDB}, now)
    _issuer_element(assertion, idp_entity_id)

    subject = etree.SubElement(assertion, q(SAML, "Subject"))
    name = etree.SubElement(subject, q(SAML, "NameID"))
    name.set("Format", name_id_format)
    name.set("NameQualifier", idp_entity_id)
    name.set("SPNameQualifier", sp_entity_id)
    name.text = name_id
    confirmation = etree.SubElement(subject, q(SAML, "SubjectConfirmation"))
    confirmation.set("Method", CM_BEARER)
    data = etree.SubElement(confirmation, q(SAML, "SubjectConfirmationData"))
    data.set("InResponseTo", in_response_to)
    data.set("NotOnOrAfter", until)
    data.set("Recipient", acs_url)

    conditions = etree.SubElement(assertion, q(SAML, "Conditions"))
    conditions.set("NotBefore", safexml.format_datetime(now))
    conditions.set("NotOnOrAfter", until)
    restriction = etree.SubElement(conditions, q(SAML, "AudienceRestriction"))
    etree.SubElement(restriction, q(SAML, "Audience")).text = sp_entity_id

    statement = etree.SubElement(assertion, q(SAML, "AuthnStatement"))
    statement.set("AuthnInstant", safexml.format_datetime(authn_instant or now))
    if session_index is not None:
        statement.set("SessionIndex", session_index)
    context = etree.SubElement(statement, q(SAML, "AuthnContext"))
    etree.SubElement(context, q(SAML, "AuthnContextClassRef")).text = class_ref

    if attributes:
        attribute_statement = etree.SubElement(assertion, q(SAML, "AttributeStatement"))
        for attr_name, friendly_name, values, trust_level in attributes:
            node = etree.SubElement(attribute_statement, q(SAML, "Attribute"))
            node.set("Name", attr_name)
            node.set("NameFormat", ATTRNAME_URI)
            if friendly_name:
                node.set("FriendlyName", friendly_name)
            if trust_level:
                node.set(q(AKDB, "TrustLevel"), trust_level)
            for value in [values] if isinstance(values, str) else values:
                value_node = etree.SubElement(node, q(SAML, "AttributeValue"))
                value_node.set(q(XSI, "type"), "xs:string")
                value_node.text = value
    return xmldsig.sign(assertion, signing)


def build_response(
    *,
    idp_entity_id: str,
    in_response_to: str,
    acs_url: str,
    sp_entity_id: str,
    sp_encryption_cert: CertificateLike,
    signing: KeyPair,
    name_id: str,
    name_id_format: str = NAMEID_PERSISTENT,
    class_ref: str,
    attributes: Sequence[AttributeSpec] = (),
    now: datetime | None = None,
    validity: timedelta = timedelta(minutes=5),
    authn_instant: datetime | None = None,
    session_index: str | None = None,
) -> etree._Element:
    """A signed samlp:Response holding the signed assertion, encrypted for the SP.

    Send it with `bindings.post_fields` to `acs_url` (from ParsedAuthnRequest).
    """
    now = safexml.aware(now or safexml.utcnow())
    assertion = build_assertion(
        idp_entity_id=idp_entity_id, in_response_to=in_response_to, acs_url=acs_url,
        sp_entity_id=sp_entity_id, signing=signing, name_id=name_id, name_id_format=name_id_format,
        class_ref=class_ref, attributes=attributes, now=now, validity=validity,
        authn_instant=authn_instant, session_index=session_index,
    )
    response = _response(idp_entity_id, in_response_to, acs_url, now)
    etree.SubElement(etree.SubElement(response, q(SAMLP, "Status")), q(SAMLP, "StatusCode")).set(
        "Value", STATUS_SUCCESS
    )
    response.append(xmlenc.encrypt_assertion(assertion, sp_encryption_cert))
    return xmldsig.sign(response, signing)


def build_error_response(
    *,
    idp_entity_id: str,
    in_response_to: str,
    acs_url: str,
    signing: KeyPair,
    status_code: str,
    second_level: str | None = None,
    message: str | None = None,
    now: datetime | None = None,
) -> etree._Element:
    """A signed samlp:Response without assertion, e.g. Responder/AuthnFailed when the
    citizen cancelled, Requester/RequestDenied when they refused the transfer."""
    if status_code not in TOP_LEVEL_STATUS or status_code == STATUS_SUCCESS:
        raise ValueError(f"{status_code!r} is no top-level error status (core 3.2.2.2)")
    now = safexml.aware(now or safexml.utcnow())
    response = _response(idp_entity_id, in_response_to, acs_url, now)
    status = etree.SubElement(response, q(SAMLP, "Status"))
    code = etree.SubElement(status, q(SAMLP, "StatusCode"))
    code.set("Value", status_code)
    if second_level:
        etree.SubElement(code, q(SAMLP, "StatusCode")).set("Value", second_level)
    if message:
        etree.SubElement(status, q(SAMLP, "StatusMessage")).text = message
    return xmldsig.sign(response, signing)


def _response(idp_entity_id: str, in_response_to: str, acs_url: str, now: datetime) -> etree._Element:
    response = _base(q(SAMLP, "Response"), {"samlp": SAMLP, "saml": SAML}, now)
    response.set("Destination", acs_url)
    response.set("InResponseTo", in_response_to)
    _issuer_element(response, idp_entity_id)
    return response
