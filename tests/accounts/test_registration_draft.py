"""The registration draft between the form and "Servicekonto anlegen"."""
from __future__ import annotations

from idp.accounts import registration

FORM = {"salutation": "", "title": "", "given_name": "Erika", "family_name": "Mustermann",
        "email": "erika@example.org", "password": "ABab1234", "password_repeat": "ABab1234"}


def test_kept_password_is_not_kept_for_a_new_address(app_ctx):
    first = registration.save_draft(None, FORM)
    assert not first.errors and first.draft.password_hash

    back = registration.save_draft(first.draft, {**FORM, "password": "", "password_repeat": ""})
    assert not back.errors, "unchanged address: the password given before is kept"

    changed = registration.save_draft(back.draft, {**FORM, "email": "erika.neu@example.org",
                                                  "password": "", "password_repeat": ""})
    assert changed.errors["password"] == [
        "Sie haben Ihre E-Mail-Adresse geändert. Bitte geben Sie Ihr Passwort erneut ein."]
    assert changed.draft.password_hash is None
    assert changed.draft.data["email"] == "erika.neu@example.org"


def test_a_new_address_is_checked_against_the_password_given_again(app_ctx):
    first = registration.save_draft(None, {**FORM, "email": "anna@example.org"})
    again = registration.save_draft(first.draft, {**FORM, "email": "xyzw@example.org",
                                                 "password": "Xyzw1234!", "password_repeat": "Xyzw1234!"})
    assert again.errors["password"] == ["Das Passwort darf Ihre E-Mail-Adresse nicht enthalten."]
