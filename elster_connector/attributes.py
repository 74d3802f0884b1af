"""The attributes of the ELSTER IdP (Mein Unternehmenskonto / NEZO profile, SPEC §7)
and what they become here.

ELSTER names its attributes by plain names; an address is spread over dotted names
(`Unternehmensanschrift.Strasse`). The register number of the organisation is
`Registerart` and `Registernummer` together, as the Handelsregister writes it
("HRB 12345").
"""
from __future__ import annotations

FIRMENNAME = "Firmenname"
RECHTSFORM = "Rechtsform"
REGISTERART = "Registerart"
REGISTERGERICHT = "Registergericht"
REGISTERNUMMER = "Registernummer"
STNR = "StNr"
VORNAME = "Vorname"
NAME = "Name"
GEBURTSDATUM = "Geburtsdatum"
PSEUDONYM = "DatenuebermittlerPseudonymId"
LEVEL = "ElsterVertrauensniveauAuthentifizierung"
TEST_ACCOUNT = "IstTestkonto"

COMPANY_ADDRESS = "Unternehmensanschrift"
PERSON_ADDRESS = "Anschrift"
ADDRESS_PARTS = {"Strasse": "street", "Hausnummer": "house_number", "PLZ": "postal_code", "Ort": "city",
                 "Land": "country"}

# Organisation fields (idp.organisations.models.ELSTER_FIELDS) by ELSTER attribute.
ORGANISATION = {FIRMENNAME: "name", RECHTSFORM: "legal_form", REGISTERGERICHT: "register_court",
                **{f"{COMPANY_ADDRESS}.{part}": field for part, field in ADDRESS_PARTS.items()
                   if field != "country"}}
# Account attributes of the certificate holder.
PERSON = {VORNAME: "given_name", NAME: "family_name", GEBURTSDATUM: "birth_date"}

# What our metadata asks ELSTER for: (name, required).
REQUESTED: tuple[tuple[str, bool], ...] = (
    (PSEUDONYM, True), (LEVEL, True), (TEST_ACCOUNT, True), (FIRMENNAME, False), (RECHTSFORM, False),
    (REGISTERART, False), (REGISTERGERICHT, False), (REGISTERNUMMER, False), (STNR, False),
    *((f"{COMPANY_ADDRESS}.{part}", False) for part in ADDRESS_PARTS),
    (VORNAME, False), (NAME, False), (GEBURTSDATUM, False),
    *((f"{PERSON_ADDRESS}.{part}", False) for part in ADDRESS_PARTS),
)
