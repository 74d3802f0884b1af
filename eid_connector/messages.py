"""Messages of the eID-Interface (TR-03130 part 1, schema 2.0.2) as plain data.

Both sides are here: the eService builds useIDRequest/getResultRequest and parses the
responses; the eID-Server (simulator) parses the requests and builds the responses
(getServerInfoResponse included).
Builders emit elements in schema order, so their output validates against the XSD;
parsers expect input that has already been schema-validated.

Note: schema 2.0.2 has no LevelOfAssuranceRequest (it came with TR-03130 2.4). A
useIDRequest carrying it would be refused by a 2.0.2 eID-Server as schemaViolation, so
none is sent; the card's eID function is level "hoch" in itself.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Union

from lxml import etree

from .errors import EidProtocolError
from .namespaces import DSS, EID, XML
from .results import RESULT_MAJOR_ERROR, RESULT_MAJOR_OK

_NSMAP = {"eid": EID, "dss": DSS}


def _e(name: str) -> str:
    return f"{{{EID}}}{name}"


def _d(name: str) -> str:
    return f"{{{DSS}}}{name}"


# -- operations --------------------------------------------------------------------------
class Selection(StrEnum):
    """AttributeRequestType: what the eService asks the card holder to release."""

    REQUIRED = "REQUIRED"
    ALLOWED = "ALLOWED"
    PROHIBITED = "PROHIBITED"


# OperationsRequestorType / OperationsResponderType in schema order; True = mandatory.
OPERATIONS: tuple[tuple[str, bool], ...] = (
    ("DocumentType", True),
    ("IssuingState", True),
    ("DateOfExpiry", True),
    ("GivenNames", True),
    ("FamilyNames", True),
    ("ArtisticName", True),
    ("AcademicTitle", True),
    ("DateOfBirth", True),
    ("PlaceOfBirth", True),
    ("Nationality", True),
    ("Sex", False),
    ("OptionalDataR", False),
    ("BirthName", True),
    ("WrittenSignature", False),
    ("DateOfIssuance", False),
    ("PlaceOfResidence", True),
    ("MunicipalityID", False),
    ("ResidencePermitI", True),
    ("ResidencePermitII", False),
    ("PhoneNumber", False),
    ("EmailAddress", False),
    ("RestrictedID", True),
    ("AgeVerification", True),
    ("PlaceVerification", True),
    ("PSC", False),
    ("PSM", False),
    ("PSA", False),
    ("SpecificAttribute", False),
    ("DeleteSpecificAttribute", False),
)
OPERATION_NAMES = frozenset(name for name, _ in OPERATIONS)
# OperationsResponderType has the same sequence; its values differ.
RESPONDER_VALUES = frozenset({"ALLOWED", "PROHIBITED", "NOTONCHIP"})


def _build_operations(parent, tag: str, values: Mapping[str, str]) -> None:
    node = etree.SubElement(parent, _e(tag))
    for name, mandatory in OPERATIONS:
        value = values.get(name)
        if value is None and not mandatory:
            continue
        etree.SubElement(node, _e(name)).text = str(value or Selection.PROHIBITED)


def _parse_operations(node) -> dict[str, str]:
    # An empty element takes the schema default, PROHIBITED.
    return {
        etree.QName(child).localname: (child.text or "").strip() or Selection.PROHIBITED.value
        for child in node
    }


# -- small shared types ----------------------------------------------------------------
@dataclass(frozen=True)
class Psk:
    """Pre-shared key for the TLS-PSK channel between eID-Client and eID-Server."""

    id: str
    key: bytes

    def __post_init__(self):
        if len(self.id) < 16 or len(self.key) < 16:
            raise ValueError("PSK ID and key need at least 16 characters / bytes")


@dataclass(frozen=True)
class Result:
    """dss:Result."""

    major: str
    minor: str | None = None
    message: str | None = None
    message_lang: str = "en"

    @property
    def ok(self) -> bool:
        return self.major == RESULT_MAJOR_OK

    @classmethod
    def success(cls) -> Result:
        return cls(RESULT_MAJOR_OK)

    @classmethod
    def error(cls, minor: str, message: str | None = None) -> Result:
        return cls(RESULT_MAJOR_ERROR, str(minor), message)


def _build_result(parent, result: Result) -> None:
    node = etree.SubElement(parent, _d("Result"))
    etree.SubElement(node, _d("ResultMajor")).text = result.major
    if result.minor:
        etree.SubElement(node, _d("ResultMinor")).text = result.minor
    if result.message:
        message = etree.SubElement(node, _d("ResultMessage"))
        message.text = result.message
        message.set(f"{{{XML}}}lang", result.message_lang)


def _parse_result(parent) -> Result:
    node = parent.find(_d("Result"))
    if node is None:
        raise EidProtocolError("dss:Result missing")
    message = node.find(_d("ResultMessage"))
    return Result(
        major=_uri(node.findtext(_d("ResultMajor"))),
        minor=_uri(node.findtext(_d("ResultMinor"))) or None,
        message=message.text if message is not None else None,
        message_lang=message.get(f"{{{XML}}}lang", "en") if message is not None else "en",
    )


def _uri(text: str | None) -> str:
    return (text or "").strip()


def _hex(text: str | None) -> bytes:
    # xs:hexBinary collapses white space (the TR examples pretty-print long IDs).
    return bytes.fromhex("".join((text or "").split()))


def _string(node, name: str) -> str | None:
    child = node.find(_e(name))
    if child is None:
        return None
    return (child.text or "").strip()


def _bool(text: str | None) -> bool:
    return (text or "").strip() in ("true", "1")


def _build_session(parent, session_id: str) -> None:
    session = etree.SubElement(parent, _e("Session"))
    etree.SubElement(session, _e("ID")).text = session_id


def _parse_session_id(root) -> str:
    return "".join((root.findtext(f"{_e('Session')}/{_e('ID')}") or "").split())


def _check_hex_id(value: str, what: str) -> str:
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise ValueError(f"{what} must be hex") from exc
    if len(raw) < 16:
        raise ValueError(f"{what} needs at least 16 bytes")
    return value


# -- useID -------------------------------------------------------------------------------
@dataclass(frozen=True)
class UseIDRequest:
    """What to read from the card. Operations not named are PROHIBITED."""

    operations: Mapping[str, Selection] = field(default_factory=dict)
    age_verification: int | None = None
    # CommunityID (Gemeindeschlüssel) for PlaceVerification.
    place_verification: str | None = None
    psk: Psk | None = None

    def __post_init__(self):
        unknown = set(self.operations) - OPERATION_NAMES
        if unknown:
            raise ValueError(f"unknown operations: {sorted(unknown)}")
        # The eID-Server answers useID#missingArgument otherwise; fail before sending.
        for name, value in (
            ("AgeVerification", self.age_verification),
            ("PlaceVerification", self.place_verification),
        ):
            selected = self.selection(name) is not Selection.PROHIBITED
            if selected != (value is not None):
                raise ValueError(f"{name} selection and {name}Request must come together")
        if self.age_verification is not None and self.age_verification < 0:
            raise ValueError("age must not be negative")

    def selection(self, name: str) -> Selection:
        return Selection(self.operations.get(name, Selection.PROHIBITED))


def registration_request(min_age: int = 16) -> UseIDRequest:
    """Servicekonto Plus (registration, upgrade, sync): the identity data of SPEC §3.

    The pseudonym is ALLOWED, not REQUIRED: the citizen decides in the eID-Client
    whether it is transferred, and only then is eID login possible later.
    """
    required = ("GivenNames", "FamilyNames", "DateOfBirth", "PlaceOfBirth", "PlaceOfResidence")
    allowed = (
        "AcademicTitle", "BirthName", "Nationality", "DocumentType", "IssuingState",
        "DateOfExpiry", "RestrictedID",
    )
    operations = {name: Selection.REQUIRED for name in required}
    operations.update({name: Selection.ALLOWED for name in allowed})
    operations["AgeVerification"] = Selection.REQUIRED
    return UseIDRequest(operations=operations, age_verification=min_age)


def login_request() -> UseIDRequest:
    """eID login: the pseudonym only (data minimisation)."""
    return UseIDRequest(operations={"RestrictedID": Selection.REQUIRED})


def build_use_id_request(request: UseIDRequest) -> etree._Element:
    root = etree.Element(_e("useIDRequest"), nsmap=_NSMAP)
    _build_operations(
        root, "UseOperations", {name: request.selection(name) for name in OPERATION_NAMES}
    )
    if request.age_verification is not None:
        age = etree.SubElement(root, _e("AgeVerificationRequest"))
        etree.SubElement(age, _e("Age")).text = str(request.age_verification)
    if request.place_verification is not None:
        place = etree.SubElement(root, _e("PlaceVerificationRequest"))
        etree.SubElement(place, _e("CommunityID")).text = request.place_verification
    if request.psk is not None:
        _build_psk(root, request.psk)
    return root


def parse_use_id_request(root: etree._Element) -> UseIDRequest:
    operations = {
        name: Selection(value)
        for name, value in _parse_operations(root.find(_e("UseOperations"))).items()
        if value != Selection.PROHIBITED
    }
    age = root.find(f"{_e('AgeVerificationRequest')}/{_e('Age')}")
    place = root.find(f"{_e('PlaceVerificationRequest')}/{_e('CommunityID')}")
    psk = root.find(_e("PSK"))
    return UseIDRequest(
        operations=operations,
        age_verification=int(age.text) if age is not None else None,
        place_verification=place.text.strip() if place is not None else None,
        psk=_parse_psk(psk) if psk is not None else None,
    )


def _build_psk(parent, psk: Psk) -> None:
    node = etree.SubElement(parent, _e("PSK"))
    etree.SubElement(node, _e("ID")).text = psk.id
    etree.SubElement(node, _e("Key")).text = psk.key.hex().upper()


def _parse_psk(node) -> Psk:
    return Psk(id=(node.findtext(_e("ID")) or "").strip(), key=_hex(node.findtext(_e("Key"))))


@dataclass(frozen=True)
class UseIDResponse:
    """Session/ID (hex, kept as sent: it goes back verbatim in getResult), the PSK for
    the TC token and the eCardServerAddress (ServerAddress of the TC token)."""

    session_id: str
    psk: Psk
    result: Result = field(default_factory=Result.success)
    ecard_server_address: str | None = None

    def __post_init__(self):
        _check_hex_id(self.session_id, "Session/ID")


def build_use_id_response(response: UseIDResponse) -> etree._Element:
    root = etree.Element(_e("useIDResponse"), nsmap=_NSMAP)
    _build_session(root, response.session_id)
    if response.ecard_server_address:
        etree.SubElement(root, _e("eCardServerAddress")).text = response.ecard_server_address
    _build_psk(root, response.psk)
    _build_result(root, response.result)
    return root


def parse_use_id_response(root: etree._Element) -> UseIDResponse:
    return UseIDResponse(
        session_id=_parse_session_id(root),
        psk=_parse_psk(root.find(_e("PSK"))),
        result=_parse_result(root),
        ecard_server_address=_uri(root.findtext(_e("eCardServerAddress"))) or None,
    )


# -- getResult ---------------------------------------------------------------------------
@dataclass(frozen=True)
class GetResultRequest:
    session_id: str
    request_counter: int

    def __post_init__(self):
        _check_hex_id(self.session_id, "Session/ID")
        if not 0 < self.request_counter < 2**31:
            raise ValueError("RequestCounter must be a positive xs:int")


def build_get_result_request(request: GetResultRequest) -> etree._Element:
    root = etree.Element(_e("getResultRequest"), nsmap=_NSMAP)
    _build_session(root, request.session_id)
    etree.SubElement(root, _e("RequestCounter")).text = str(request.request_counter)
    return root


def parse_get_result_request(root: etree._Element) -> GetResultRequest:
    return GetResultRequest(
        session_id=_parse_session_id(root),
        request_counter=int(root.findtext(_e("RequestCounter"))),
    )


@dataclass(frozen=True)
class GeneralDate:
    """DateString is yyyymmdd with spaces for unknown parts; DateValue only when complete."""

    date_string: str
    date_value: date | None = None

    def __post_init__(self):
        if len(self.date_string) != 8 or any(c not in "0123456789 " for c in self.date_string):
            raise ValueError("DateString must be 8 digits or spaces")


@dataclass(frozen=True)
class StructuredPlace:
    city: str
    country: str
    street: str | None = None
    state: str | None = None
    zip_code: str | None = None


@dataclass(frozen=True)
class FreetextPlace:
    text: str


@dataclass(frozen=True)
class NoPlaceInfo:
    text: str


Place = Union[StructuredPlace, FreetextPlace, NoPlaceInfo]


@dataclass(frozen=True)
class RestrictedID:
    """The sector-specific pseudonym (card + service)."""

    id: bytes
    id2: bytes | None = None


@dataclass(frozen=True)
class PersonalData:
    """PersonalDataType; strings as on the card (usually upper case), None = not read.

    The binary data groups (OptionalDataR, WrittenSignature, MunicipalityID) are not
    modelled: the Servicekonto never asks for them.
    """

    document_type: str | None = None
    issuing_state: str | None = None
    date_of_expiry: date | None = None
    given_names: str | None = None
    family_names: str | None = None
    artistic_name: str | None = None
    academic_title: str | None = None
    date_of_birth: GeneralDate | None = None
    place_of_birth: Place | None = None
    nationality: str | None = None
    sex: str | None = None
    birth_name: str | None = None
    date_of_issuance: date | None = None
    place_of_residence: Place | None = None
    residence_permit_i: str | None = None
    residence_permit_ii: str | None = None
    phone_number: str | None = None
    email_address: str | None = None
    restricted_id: RestrictedID | None = None


# (element name, attribute, kind) in PersonalDataType order.
_PERSONAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("DocumentType", "document_type", "string"),
    ("IssuingState", "issuing_state", "string"),
    ("DateOfExpiry", "date_of_expiry", "date"),
    ("GivenNames", "given_names", "string"),
    ("FamilyNames", "family_names", "string"),
    ("ArtisticName", "artistic_name", "string"),
    ("AcademicTitle", "academic_title", "string"),
    ("DateOfBirth", "date_of_birth", "general_date"),
    ("PlaceOfBirth", "place_of_birth", "place"),
    ("Nationality", "nationality", "string"),
    ("Sex", "sex", "string"),
    ("BirthName", "birth_name", "string"),
    ("DateOfIssuance", "date_of_issuance", "date"),
    ("PlaceOfResidence", "place_of_residence", "place"),
    ("ResidencePermitI", "residence_permit_i", "string"),
    ("ResidencePermitII", "residence_permit_ii", "string"),
    ("PhoneNumber", "phone_number", "string"),
    ("EmailAddress", "email_address", "string"),
    ("RestrictedID", "restricted_id", "restricted_id"),
)
# Data-group element (= operation name) -> PersonalData attribute.
PERSONAL_DATA_ATTRIBUTES: Mapping[str, str] = {name: attr for name, attr, _kind in _PERSONAL_FIELDS}


def _build_place(node, place: Place) -> None:
    if isinstance(place, StructuredPlace):
        structured = etree.SubElement(node, _e("StructuredPlace"))
        for name, value in (
            ("Street", place.street),
            ("City", place.city),
            ("State", place.state),
            ("Country", place.country),
            ("ZipCode", place.zip_code),
        ):
            if value is not None:
                etree.SubElement(structured, _e(name)).text = value
    elif isinstance(place, FreetextPlace):
        etree.SubElement(node, _e("FreetextPlace")).text = place.text
    else:
        etree.SubElement(node, _e("NoPlaceInfo")).text = place.text


def _parse_place(node) -> Place:
    structured = node.find(_e("StructuredPlace"))
    if structured is not None:
        return StructuredPlace(
            street=_string(structured, "Street"),
            city=_string(structured, "City") or "",
            state=_string(structured, "State"),
            country=_string(structured, "Country") or "",
            zip_code=_string(structured, "ZipCode"),
        )
    freetext = node.find(_e("FreetextPlace"))
    if freetext is not None:
        return FreetextPlace((freetext.text or "").strip())
    return NoPlaceInfo((node.findtext(_e("NoPlaceInfo")) or "").strip())


def _build_personal_data(parent, data: PersonalData) -> None:
    node = etree.SubElement(parent, _e("PersonalData"))
    for name, attr, kind in _PERSONAL_FIELDS:
        value = getattr(data, attr)
        if value is None:
            continue
        child = etree.SubElement(node, _e(name))
        if kind == "string":
            child.text = value
        elif kind == "date":
            child.text = value.isoformat()
        elif kind == "general_date":
            etree.SubElement(child, _e("DateString")).text = value.date_string
            if value.date_value is not None:
                etree.SubElement(child, _e("DateValue")).text = value.date_value.isoformat()
        elif kind == "place":
            _build_place(child, value)
        else:
            etree.SubElement(child, _e("ID")).text = value.id.hex().upper()
            if value.id2 is not None:
                etree.SubElement(child, _e("ID2")).text = value.id2.hex().upper()


def _parse_date(text: str | None) -> date | None:
    # xs:date may carry a time zone ("2029-10-31Z", "...+01:00"); the day is what counts.
    text = (text or "").strip()
    return date.fromisoformat(text[:10]) if text else None


def _parse_personal_data(node) -> PersonalData:
    values = {}
    for name, attr, kind in _PERSONAL_FIELDS:
        child = node.find(_e(name))
        if child is None:
            continue
        if kind == "string":
            values[attr] = (child.text or "").strip()
        elif kind == "date":
            values[attr] = _parse_date(child.text)
        elif kind == "general_date":
            # whiteSpace="preserve": the spaces mean "unknown", never strip them.
            values[attr] = GeneralDate(
                date_string=child.findtext(_e("DateString")) or "",
                date_value=_parse_date(child.findtext(_e("DateValue"))),
            )
        elif kind == "place":
            values[attr] = _parse_place(child)
        else:
            id2 = child.find(_e("ID2"))
            values[attr] = RestrictedID(
                id=_hex(child.findtext(_e("ID"))),
                id2=_hex(id2.text) if id2 is not None else None,
            )
    return PersonalData(**values)


@dataclass(frozen=True)
class GetResultResponse:
    result: Result = field(default_factory=Result.success)
    personal_data: PersonalData | None = None
    fulfils_age_verification: bool | None = None
    fulfils_place_verification: bool | None = None
    # name -> ALLOWED / PROHIBITED / NOTONCHIP (what the citizen actually released)
    operations_allowed_by_user: Mapping[str, str] | None = None

    def __post_init__(self):
        ops = self.operations_allowed_by_user or {}
        if set(ops) - OPERATION_NAMES or set(map(str, ops.values())) - RESPONDER_VALUES:
            raise ValueError("invalid OperationsAllowedByUser")


def build_get_result_response(response: GetResultResponse) -> etree._Element:
    root = etree.Element(_e("getResultResponse"), nsmap=_NSMAP)
    if response.personal_data is not None:
        _build_personal_data(root, response.personal_data)
    for name, value in (
        ("FulfilsAgeVerification", response.fulfils_age_verification),
        ("FulfilsPlaceVerification", response.fulfils_place_verification),
    ):
        if value is not None:
            node = etree.SubElement(root, _e(name))
            etree.SubElement(node, _e("FulfilsRequest")).text = "true" if value else "false"
    if response.operations_allowed_by_user is not None:
        _build_operations(root, "OperationsAllowedByUser", response.operations_allowed_by_user)
    _build_result(root, response.result)
    return root


def parse_get_result_response(root: etree._Element) -> GetResultResponse:
    personal = root.find(_e("PersonalData"))
    age = root.find(f"{_e('FulfilsAgeVerification')}/{_e('FulfilsRequest')}")
    place = root.find(f"{_e('FulfilsPlaceVerification')}/{_e('FulfilsRequest')}")
    operations = root.find(_e("OperationsAllowedByUser"))
    return GetResultResponse(
        result=_parse_result(root),
        personal_data=_parse_personal_data(personal) if personal is not None else None,
        fulfils_age_verification=_bool(age.text) if age is not None else None,
        fulfils_place_verification=_bool(place.text) if place is not None else None,
        operations_allowed_by_user=_parse_operations(operations) if operations is not None else None,
    )


# -- getServerInfo -----------------------------------------------------------------------
# OperationsSelectorType: the requestor's sequence without the specific-attribute functions.
_SELECTOR_NAMES = OPERATION_NAMES - {"SpecificAttribute", "DeleteSpecificAttribute"}


def build_get_server_info_response(
    version_string: str, rights: Collection[str], version: tuple[int, int, int] = (2, 0, 2)
) -> etree._Element:
    """ServerVersion and DocumentVerificationRights (ALLOWED for each of `rights`)."""
    root = etree.Element(_e("getServerInfoResponse"), nsmap=_NSMAP)
    node = etree.SubElement(root, _e("ServerVersion"))
    etree.SubElement(node, _e("VersionString")).text = version_string
    for name, number in zip(("Major", "Minor", "Bugfix"), version):
        etree.SubElement(node, _e(name)).text = str(number)
    _build_operations(
        root,
        "DocumentVerificationRights",
        {name: "ALLOWED" if name in rights else "PROHIBITED" for name in _SELECTOR_NAMES},
    )
    return root
