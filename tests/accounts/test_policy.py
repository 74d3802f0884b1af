"""Input rules of SPEC §3 for passwords and e-mail addresses, with the German messages
the registration form shows next to the field."""
import pytest

from idp.accounts.policy import check_email, check_password, normalize_email

ANY_TWO_OF_THREE = "mindestens zwei der drei Bedingungen"


# -- passwords ---------------------------------------------------------------------------------
@pytest.mark.parametrize("password", [
    "ABab1234",   # seed: upper and lower case + digit
    "Aa12Bb34",   # seed
    "ABab§$%?",   # seed: upper and lower case + special
    "7890?!+-",   # seed: digit + special, no letters at all
    "abcd!234",   # digit + special; one case of letters is no class, but harms nothing
    "Übermaß12",  # umlauts and ß count as letters of their case
    "ÄÖÜäöüß1",
    "Straße#mit#Fuß",  # upper and lower + special
    "Ab3" + "x" * 37,  # exactly 40
    "Ab3xxxxx",   # exactly 8
    "€uro-Kurs9",  # non-ASCII special character
])
def test_passwords_within_the_policy_are_accepted(password):
    assert check_password(password) == []


@pytest.mark.parametrize("password, message", [
    ("Ab3xxxx", "mindestens 8 Zeichen"),
    ("", "mindestens 8 Zeichen"),
    ("Ab3" + "x" * 38, "höchstens 40 Zeichen"),
    ("ABab 1234", "keine Leerzeichen"),
    ("ABab\t1234", "keine Leerzeichen"),
    ("ABab\u00a01234", "keine Leerzeichen"),  # no-break space is white space too
    ("ABab1234 ", "keine Leerzeichen"),
    ("ABab<1234", "< und >"),
    ("ABab>1234", "< und >"),
])
def test_length_white_space_and_angle_brackets_are_refused(password, message):
    errors = check_password(password)
    assert errors and any(message in e for e in errors), errors


@pytest.mark.parametrize("password", [
    "abcdefgh",   # lower case only
    "ABCDEFGH",   # upper case only
    "12345678",   # digits only
    "!§$%&/()",   # special characters only
    "abcd1234",   # lower case and digits: letters of one case are no class
    "ABCD1234",
    "äöüßäöüß",   # umlauts of one case
    "ÄÖÜÄÖÜÄÖ",
    "ßßßß!!!!",   # ß is lower case: lower case + special is one class
])
def test_fewer_than_two_of_three_classes_are_refused(password):
    errors = check_password(password)
    assert len(errors) == 1 and ANY_TWO_OF_THREE in errors[0], errors
    assert "Groß- und Kleinbuchstaben" in errors[0] and "Ziffer" in errors[0] and "Sonderzeichen" in errors[0]


@pytest.mark.parametrize("password", ["Passwort1", "pASSWORT1", "Sommer2025", "P@ssw0rd", "Hallo123"])
def test_very_common_passwords_are_refused(password):
    assert check_password(password) == ["Dieses Passwort ist zu verbreitet. Bitte wählen Sie ein anderes."]


@pytest.mark.parametrize("password", ["erika@example.org1A", "Erika1234!", "XX-ERIKA-99"])
def test_password_containing_the_e_mail_address_is_refused(password):
    assert check_password(password, email="Erika@Example.org") == [
        "Das Passwort darf Ihre E-Mail-Adresse nicht enthalten."]


def test_password_is_judged_on_its_own_without_an_address():
    assert check_password("Erika1234!") == []
    # A short local part is no reason to refuse a password that merely contains it.
    assert check_password("Abba1234!", email="ab@example.org") == []


def test_several_problems_are_all_reported():
    errors = check_password("a <b>")
    assert any("mindestens 8 Zeichen" in e for e in errors)
    assert any("Leerzeichen" in e for e in errors)
    assert any("< und >" in e for e in errors)


# -- e-mail addresses ----------------------------------------------------------------------------
@pytest.mark.parametrize("email", [
    "erika@example.org",
    "Erika.Mustermann@Beispiel.DE",
    "erika+servicekonto@sub.example.de",
    "o'brien@example.ie",
    "  erika@example.org  ",  # surrounding blanks from copy and paste
    "e@x.io",
    "a" * 64 + "@example.org",
    "juergen@müller.de",  # an internationalised domain
    "juergen@xn--mller-kva.de",  # the same in its ASCII form
])
def test_valid_addresses_are_accepted(email):
    assert check_email(email) == []


@pytest.mark.parametrize("email, message", [
    ("", "Bitte geben Sie Ihre E-Mail-Adresse ein."),
    ("   ", "Bitte geben Sie Ihre E-Mail-Adresse ein."),
    ("<erika@example.org>", "Die E-Mail-Adresse darf die Zeichen < und > nicht enthalten."),
    ("Erika Mustermann <erika@example.org>", "Die E-Mail-Adresse darf die Zeichen < und > nicht enthalten."),
    ("erika>@example.org", "Die E-Mail-Adresse darf die Zeichen < und > nicht enthalten."),
])
def test_empty_address_and_angle_brackets_have_their_own_message(email, message):
    assert check_email(email) == [message]


@pytest.mark.parametrize("email", [
    "erika",
    "erika@",
    "@example.org",
    "erika@example",
    "erika@@example.org",
    "erika mustermann@example.org",
    "erika@exa mple.org",
    "erika@-example.org",
    "erika@example.org.",
    "erika@example.c",
    "a" * 65 + "@example.org",
    "erika@" + "a" * 250 + ".de",
    "jürgen@müller.de",  # a non-ASCII local part would need SMTPUTF8 at every hop
    "erika@exa_mple.de",
    "erika@" + "ü" * 60 + ".de",  # short in Unicode, too long as the domain is sent
])
def test_invalid_addresses_are_refused_with_an_example(email):
    assert check_email(email) == ["Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de."]


def test_addresses_are_compared_without_case_and_blanks():
    assert normalize_email("  Erika@Example.ORG ") == normalize_email("erika@example.org") == "erika@example.org"
    assert normalize_email("ERIKA.MÜLLER@EXAMPLE.ORG") == "erika.müller@example.org"


def test_an_internationalised_domain_is_one_domain_in_either_spelling():
    assert normalize_email("Juergen@MÜLLER.de") == normalize_email("juergen@xn--mller-kva.de") == "juergen@müller.de"
