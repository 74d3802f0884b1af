"""PersonalData of the card -> attributes of a Servicekonto (SPEC §3 and §7)."""
from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from eid_connector import messages as m
from eid_connector.personal_data import (
    EidAttributes,
    format_birth_date,
    map_personal_data,
    split_street,
)


@pytest.mark.parametrize("date_string, expected", [
    ("19640812", "12.08.1964"),
    ("196408  ", "00.08.1964"),   # day unknown
    ("1945    ", "00.00.1945"),   # day and month unknown
    ("19450000", "00.00.1945"),   # zeros instead of spaces
    ("194500 7", "00.00.1945"),   # a day without month says nothing
    ("        ", None),           # nothing known
])
def test_birth_date_with_unknown_parts(date_string, expected):
    assert format_birth_date(m.GeneralDate(date_string)) == expected


def test_unknown_birth_day_survives_the_wire():
    response = m.GetResultResponse(personal_data=m.PersonalData(date_of_birth=m.GeneralDate("197103  ")))
    parsed = m.parse_get_result_response(etree.fromstring(etree.tostring(m.build_get_result_response(response))))
    assert map_personal_data(parsed.personal_data).birth_date == "00.03.1971"


@pytest.mark.parametrize("place, expected", [
    (m.StructuredPlace(city="KÖLN", country="D", street="HEIDESTRASSE 17", zip_code="51147"), "KÖLN"),
    (m.StructuredPlace(city="PARIS", country="F"), "PARIS, F"),
    (m.FreetextPlace("BERLIN"), "BERLIN"),
    (m.NoPlaceInfo("keine Angabe"), None),
    (None, None),
], ids=["structured", "structured-abroad", "freetext", "no-place-info", "absent"])
def test_place_of_birth_in_all_three_forms(place, expected):
    assert map_personal_data(m.PersonalData(place_of_birth=place)).place_of_birth == expected


def test_residence_as_structured_place():
    attrs = map_personal_data(m.PersonalData(place_of_residence=m.StructuredPlace(
        street="HEIDESTRASSE 17", city="KÖLN", country="D", zip_code="51147")))
    assert (attrs.street, attrs.house_number, attrs.postal_code, attrs.city, attrs.country) == (
        "HEIDESTRASSE", "17", "51147", "KÖLN", "D")
    assert attrs.address_note is None


def test_residence_without_street_puts_the_town_into_the_street():
    attrs = map_personal_data(m.PersonalData(place_of_residence=m.StructuredPlace(
        city="HALLIG HOOGE", country="D", zip_code="25859")))
    assert (attrs.street, attrs.house_number, attrs.city) == ("HALLIG HOOGE", "0", "HALLIG HOOGE")


@pytest.mark.parametrize("place", [m.FreetextPlace("Musterweg 1, 1010 Wien, Österreich"),
                                   m.NoPlaceInfo("keine Hauptwohnung in Deutschland")],
                         ids=["freetext", "no-place-info"])
def test_residence_as_text_goes_into_the_note(place):
    attrs = map_personal_data(m.PersonalData(place_of_residence=place))
    assert attrs.address_note == place.text
    assert attrs.street is attrs.city is attrs.postal_code is None


@pytest.mark.parametrize("street, expected", [
    ("HEIDESTRASSE 17", ("HEIDESTRASSE", "17")),
    ("Hauptstr. 12a", ("Hauptstr.", "12a")),
    ("Hauptstr. 12 a", ("Hauptstr.", "12a")),
    ("Musterweg 12a-c", ("Musterweg", "12a-c")),
    ("Musterweg 48 - 50", ("Musterweg", "48-50")),
    ("Lindenallee 5/1", ("Lindenallee", "5/1")),
    ("Straße des 17. Juni 135", ("Straße des 17. Juni", "135")),
    ("Am Markt 1 Hinterhaus", ("Am Markt 1 Hinterhaus", None)),   # not separable: kept as given
    ("Hof Lindenau", ("Hof Lindenau", "0")),                      # no number at all
    ("Weg 123456789012", ("Weg 123456789012", None)),            # longer than 11: not a house number
])
def test_house_number_is_split_off_when_separable(street, expected):
    assert split_street(street) == expected


def test_full_mapping():
    data = m.PersonalData(
        document_type="ID", issuing_state="D", date_of_expiry=date(2029, 10, 31),
        given_names="ERIKA", family_names="MUSTERMANN", academic_title="DR.", birth_name="GABLER",
        date_of_birth=m.GeneralDate("19640812", date(1964, 8, 12)), place_of_birth=m.FreetextPlace("BERLIN"),
        nationality="D",
        place_of_residence=m.StructuredPlace(street="HEIDESTRASSE 17", city="KÖLN", country="D", zip_code="51147"),
        restricted_id=m.RestrictedID(bytes.fromhex("01A4FB509CEBC6595151A4FB5F9C75C6FE01A4FB59CB655A4FB5F9C75C6FEE")),
    )
    attrs = map_personal_data(data, fulfils_age_verification=True)
    assert attrs == EidAttributes(
        given_name="ERIKA", family_name="MUSTERMANN", birth_name="GABLER", academic_title="DR.",
        birth_date="12.08.1964", place_of_birth="BERLIN", street="HEIDESTRASSE", house_number="17",
        postal_code="51147", city="KÖLN", country="D", nationality="D", document_type="ID",
        issuing_state="D", date_of_expiry="31.10.2029",
        restricted_id="01a4fb509cebc6595151a4fb5f9c75c6fe01a4fb59cb655a4fb5f9c75c6fee",
        age_verified=True,
    )
    assert attrs.as_dict()["age_verified"] == "true"
    assert all(isinstance(v, str) for v in attrs.as_dict().values())


def test_restricted_id_hex_from_the_wire_ignores_white_space_and_case():
    xml = b"""<eid:getResultResponse xmlns:eid="http://bsi.bund.de/eID/" xmlns:dss="urn:oasis:names:tc:dss:1.0:core:schema">
      <eid:PersonalData><eid:RestrictedID><eid:ID>
        0A0b0C0d 0E0F1011121314151617
      </eid:ID></eid:RestrictedID></eid:PersonalData>
      <dss:Result><dss:ResultMajor>http://www.bsi.bund.de/ecard/api/1.1/resultmajor#ok</dss:ResultMajor></dss:Result>
    </eid:getResultResponse>"""
    parsed = m.parse_get_result_response(etree.fromstring(xml))
    assert map_personal_data(parsed.personal_data).restricted_id == "0a0b0c0d0e0f1011121314151617"


def test_withheld_data_stays_none():
    attrs = map_personal_data(m.PersonalData(given_names="ERIKA", academic_title=""))
    assert attrs.given_name == "ERIKA"
    assert attrs.academic_title is None      # empty element = no title
    assert attrs.restricted_id is None       # pseudonym not transferred
    assert attrs.age_verified is None
    assert attrs.as_dict() == {"given_name": "ERIKA"}
    assert map_personal_data(None) == EidAttributes()
