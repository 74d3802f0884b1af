"""The service-provider side towards the ELSTER IdP, on the SAML core of
`federation.saml`: a signed AuthnRequest by HTTP-POST, the signed Response with its
signed and encrypted assertion read back, and our metadata.

Protocol only (no web framework, no database): the caller keeps the request ID, the
replay cache and the keys.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from federation.saml import bindings, messages, safexml, xmldsig
from federation.saml.errors import SignatureRefused
from federation.saml.keys import KeyPair
from federation.saml.metadata import EntityMetadata, build_metadata
from federation.saml.namespaces import HTTP_POST, SAMLP, STATUS_SUCCESS, q
from idp.i18n import _
from idp.loa import Level, parse_acr
from idp.organisations.elster_links import Certificate

from . import attributes as names
from .errors import ElsterRefused, ElsterUnavailable

# ELSTER's certificates prove `substanziell` (SPEC §2); more is never asked for.
REQUESTED_LEVEL = Level.SUBSTANZIELL
TEST_ACCOUNT_REFUSED = _("Mit einem ELSTER-Testkonto ist keine Anmeldung möglich. Bitte verwenden Sie Ihr "
                         "ELSTER-Organisationszertifikat.")
NO_PSEUDONYM = _("ELSTER hat keine Kennung des Zertifikats übermittelt. Bitte versuchen Sie es erneut.")
NO_LEVEL = _("ELSTER hat kein Vertrauensniveau der Anmeldung übermittelt. Bitte versuchen Sie es erneut.")


def authn_request(idp: EntityMetadata, *, sp_entity_id: str, acs_url: str, signing: KeyPair,
                  relay_state: str, now: datetime | None = None) -> tuple[str, str, dict[str, str]]:
    """(request ID, ELSTER's SSO URL, form fields): a signed AuthnRequest for the
    HTTP-POST binding, asking for `substanziell` at least."""
    destination = idp.sso_location(HTTP_POST)
    if destination is None:
        raise ElsterUnavailable(_("ELSTER nimmt derzeit keine Anmeldungen an. Bitte versuchen Sie es später erneut."))
    request_id, element = messages.build_authn_request(
        sp_entity_id=sp_entity_id, acs_url=acs_url, destination=destination,
        class_refs=[REQUESTED_LEVEL.eidas_uri], comparison="minimum", now=now)
    xmldsig.sign(element, signing)
    return request_id, destination, bindings.post_fields(element, relay_state)


def read_response(idp: EntityMetadata, saml_response: str, *, sp_entity_id: str, acs_url: str,
                  expected_request_id: str, decryption_keys: Sequence[KeyPair],
                  first_use: Callable[[str, datetime], bool], accept_test_accounts: bool,
                  now: datetime | None = None) -> Certificate:
    """The certificate ELSTER vouches for. Raises a SamlError (signature, encryption,
    audience, validity, replay, status) or ElsterRefused (usable message)."""
    raw = bindings.decode_post(saml_response)
    response = safexml.parse(raw)
    # The profile signs the Response too (the SAML core checks such a signature but
    # accepts its absence); a failure status needs none, it can only end our login.
    if response.tag == q(SAMLP, "Response") and not xmldsig.is_signed(response) and _succeeded(response):
        raise SignatureRefused("ELSTER's Response is not signed")
    result = messages.parse_response(
        raw, idp=idp, sp_entity_id=sp_entity_id, acs_url=acs_url, expected_request_id=expected_request_id,
        decryption_keys=decryption_keys, first_use=first_use, now=now)
    values = {a.name: a.values[0] for a in result.attributes if a.values and a.values[0]}
    if values.get(names.TEST_ACCOUNT, "").lower() in ("true", "1", "ja") and not accept_test_accounts:
        raise ElsterRefused("test_account", TEST_ACCOUNT_REFUSED)
    pseudonym = values.get(names.PSEUDONYM)
    if not pseudonym:
        raise ElsterRefused("no_pseudonym", NO_PSEUDONYM)
    return Certificate(pseudonym=pseudonym, level=_level(values, result.class_ref),
                       organisation_key=_organisation_key(values), organisation=_organisation(values),
                       person=_person(values))


def _succeeded(response) -> bool:
    status = response.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
    return status is not None and status.get("Value") == STATUS_SUCCESS


def _organisation_key(values: dict[str, str]) -> str | None:
    """ELSTER's key of the organisation: its tax number, else its register entry; a
    certificate without a company has none (a private certificate)."""
    if not values.get(names.FIRMENNAME):
        return None
    if values.get(names.STNR):
        return "stnr:" + values[names.STNR]
    register = [values.get(n, "") for n in (names.REGISTERGERICHT, names.REGISTERART, names.REGISTERNUMMER)]
    return "register:" + "|".join(register) if all(register) else None


def _level(values: dict[str, str], class_ref: str) -> Level:
    """What ELSTER asserts, the lower of the attribute and the authentication context."""
    try:
        asserted = Level.from_word(values.get(names.LEVEL, ""))
    except (KeyError, ValueError):
        raise ElsterRefused("no_level", NO_LEVEL) from None
    context = parse_acr(class_ref)
    return min(asserted, context) if context is not None else asserted


def _organisation(values: dict[str, str]) -> dict[str, str]:
    data = {field: values[name] for name, field in names.ORGANISATION.items() if values.get(name)}
    number = " ".join(v for v in (values.get(names.REGISTERART), values.get(names.REGISTERNUMMER)) if v)
    if number:
        data["register_number"] = number
    return data


def _person(values: dict[str, str]) -> dict[str, str]:
    return {field: values[name] for name, field in names.PERSON.items() if values.get(name)}


def metadata(*, entity_id: str, acs_url: str, signing: KeyPair, display_name: str, organization_url: str,
             valid_for: timedelta, now: datetime | None = None) -> bytes:
    """Our signed SP metadata for ELSTER: signing and encryption key, the ACS, the
    attributes we ask for."""
    return build_metadata(
        entity_id=entity_id, signing=signing, sso_redirect_url=None, acs_url=acs_url,
        requested_attributes=[(name, None, required) for name, required in names.REQUESTED],
        display_name=display_name, service_name=display_name, organization_url=organization_url,
        valid_for=valid_for, now=now)
