"""Test certificates of the ELSTER IdP simulator: what ELSTER would say about each.

Two certificates of one GmbH with register data and a third of it without the
holder's names, one of another company, one of a natural person without
organisation, a test account and one at level hoch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import attributes as names

_MUSTERBAU = {
    names.FIRMENNAME: "Musterbau GmbH", names.RECHTSFORM: "GmbH", names.REGISTERART: "HRB",
    names.REGISTERNUMMER: "123456", names.REGISTERGERICHT: "Amtsgericht Hamburg", names.STNR: "2181508150",
    "Unternehmensanschrift.Strasse": "Hafenstraße", "Unternehmensanschrift.Hausnummer": "12",
    "Unternehmensanschrift.PLZ": "20457", "Unternehmensanschrift.Ort": "Hamburg",
    "Unternehmensanschrift.Land": "DE",
}


@dataclass(frozen=True)
class TestCertificate:
    id: str
    label: str
    description: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def level(self) -> str:
        return self.values[names.LEVEL]


def _certificate(id: str, label: str, description: str, *, level: str = "substanziell", test: bool = False,
                 company: dict[str, str] | None = None, **person: str) -> TestCertificate:
    values = {names.PSEUDONYM: f"sim-{id}-5f0c2a7e", names.LEVEL: level,
              names.TEST_ACCOUNT: "true" if test else "false", **(company or {}),
              **{key.replace("__", "."): value for key, value in person.items()}}
    return TestCertificate(id, label, description, values)


CERTIFICATES = (
    _certificate("musterbau-berger", "Musterbau GmbH – Anna Berger",
                 "Organisationszertifikat einer GmbH mit Handelsregistereintrag (HRB 123456, Amtsgericht Hamburg).",
                 company=_MUSTERBAU, Vorname="Anna", Name="Berger", Geburtsdatum="1980-04-12"),
    _certificate("musterbau-krueger", "Musterbau GmbH – Ben Krüger",
                 "Zweites Organisationszertifikat derselben GmbH, für einen weiteren Mitarbeiter.",
                 company=_MUSTERBAU, Vorname="Ben", Name="Krüger", Geburtsdatum="1975-09-30"),
    _certificate("musterbau-ohne-namen", "Musterbau GmbH – ohne Angaben zur Person",
                 "Organisationszertifikat derselben GmbH, zu dem ELSTER keine Namen der Person übermittelt.",
                 company=_MUSTERBAU),
    _certificate("nordlicht-vogt", "Nordlicht Handels KG – Clara Vogt",
                 "Organisationszertifikat eines anderen Unternehmens.",
                 company={names.FIRMENNAME: "Nordlicht Handels KG", names.RECHTSFORM: "KG",
                          names.REGISTERART: "HRA", names.REGISTERNUMMER: "9876",
                          names.REGISTERGERICHT: "Amtsgericht Kiel", names.STNR: "1911012345",
                          "Unternehmensanschrift.Strasse": "Kai", "Unternehmensanschrift.Hausnummer": "3",
                          "Unternehmensanschrift.PLZ": "24103", "Unternehmensanschrift.Ort": "Kiel",
                          "Unternehmensanschrift.Land": "DE"},
                 Vorname="Clara", Name="Vogt"),
    _certificate("privat-schmidt", "Dieter Schmidt (privat)",
                 "Zertifikat einer natürlichen Person für den privaten Gebrauch, ohne Organisation.",
                 Vorname="Dieter", Name="Schmidt", Geburtsdatum="1969-01-02", Anschrift__Strasse="Lindenweg",
                 Anschrift__Hausnummer="5", Anschrift__PLZ="10115", Anschrift__Ort="Berlin"),
    _certificate("testkonto", "Testfirma GmbH – Testkonto",
                 "ELSTER-Testkonto (IstTestkonto): in einer Produktivumgebung abgelehnt.", test=True,
                 company={names.FIRMENNAME: "Testfirma GmbH", names.RECHTSFORM: "GmbH", names.STNR: "9198011310",
                          "Unternehmensanschrift.Strasse": "Teststraße", "Unternehmensanschrift.Hausnummer": "1",
                          "Unternehmensanschrift.PLZ": "99999", "Unternehmensanschrift.Ort": "Teststadt"},
                 Vorname="Tina", Name="Test"),
    _certificate("sicher-hartmann", "Sicher & Partner AG – Emil Hartmann (Sicherheitsstick)",
                 "Organisationszertifikat auf Sicherheitsstick: ELSTER bestätigt das Vertrauensniveau hoch.",
                 level="hoch",
                 company={names.FIRMENNAME: "Sicher & Partner AG", names.RECHTSFORM: "AG", names.REGISTERART: "HRB",
                          names.REGISTERNUMMER: "4711", names.REGISTERGERICHT: "Amtsgericht München",
                          names.STNR: "9143012345", "Unternehmensanschrift.Strasse": "Leopoldstraße",
                          "Unternehmensanschrift.Hausnummer": "7", "Unternehmensanschrift.PLZ": "80802",
                          "Unternehmensanschrift.Ort": "München"},
                 Vorname="Emil", Name="Hartmann"),
)
BY_ID = {certificate.id: certificate for certificate in CERTIFICATES}
