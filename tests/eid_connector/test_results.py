"""Result codes -> German messages for citizens; the eID-Client's redirect query."""
from __future__ import annotations

import pytest

from eid_connector import results
from eid_connector.errors import EidResultError, SignatureRefused
from eid_connector.results import ClientResultMinor, Flow, ResultMinor

PREFIX = "http://www.bsi.bund.de/eid/server/2.0/resultminor/"


def test_the_eleven_server_minors_of_the_spec():
    assert {m.value.removeprefix(PREFIX) for m in ResultMinor} == {
        "common#internalError", "common#schemaViolation", "useID#invalidPSK", "useID#tooManyOpenSessions",
        "useID#missingArgument", "useID#missingTerminalRights", "getResult#noResultYet",
        "getResult#invalidSession", "getResult#invalidCounter", "getResult#deniedDocument",
        "getResult#invalidDocument",
    }


def test_every_minor_has_its_own_message():
    texts = [results.message_for(minor) for minor in ResultMinor]
    texts += [results.client_message_for(minor) for minor in ClientResultMinor]
    assert len(set(texts)) == len(texts)
    assert results.message_for("http://example/unknown#minor") == results.message_for(None)
    assert results.message_for(None) not in texts


@pytest.mark.parametrize("flow, kept", [
    (None, "Ihre begonnene Registrierung bzw. Ihr Upgrade bleibt erhalten."),
    (Flow.REGISTRATION, "Ihre begonnene Registrierung bleibt erhalten."),
    (Flow.UPGRADE, "Ihr begonnenes Upgrade auf Servicekonto Plus bleibt erhalten."),
    (Flow.SYNC, "Ihre gespeicherten Daten bleiben unverändert."),
])
@pytest.mark.parametrize("minor", list(ResultMinor) + list(ClientResultMinor))
def test_messages_keep_the_process_and_say_what_to_do(minor, flow, kept):
    text = (results.client_message_for if isinstance(minor, ClientResultMinor) else results.message_for)(minor, flow)
    assert kept in text
    assert "erneut" in text or "Support" in text
    assert "http" not in text and "#" not in text   # no codes for citizens


def test_login_messages_offer_the_password_instead():
    text = results.message_for(ResultMinor.INVALID_DOCUMENT, Flow.LOGIN)
    assert "bleibt erhalten" not in text
    assert "mit E-Mail-Adresse und Passwort anmelden" in text


@pytest.mark.parametrize("query, ok, minor", [
    (("ok", None), True, None),
    (("http://www.bsi.bund.de/ecard/api/1.1/resultmajor#ok", None), True, None),
    (("error", "cancellationByUser"), False, ClientResultMinor.CANCELLATION_BY_USER),
    (("error", "trustedChannelEstablishmentFailed"), False, ClientResultMinor.TRUSTED_CHANNEL_ESTABLISHMENT_FAILED),
    (("error", "serverError"), False, ClientResultMinor.SERVER_ERROR),
    (("error", "clientError"), False, ClientResultMinor.CLIENT_ERROR),
    (("error", "http://www.bsi.bund.de/ecard/api/1.1/resultminor/al/common#cancellationByUser"), False,
     ClientResultMinor.CANCELLATION_BY_USER),
    (("error", "<script>"), False, None),
    ((None, None), False, None),
])
def test_client_redirect(query, ok, minor):
    redirect = results.parse_client_redirect(*query)
    assert (redirect.ok, redirect.minor) == (ok, minor)
    if ok:
        assert redirect.message() is None
    else:
        assert "<script>" not in redirect.message(Flow.UPGRADE)
        assert "Upgrade" in redirect.message(Flow.UPGRADE)


def test_cancellation_message_is_reassuring():
    text = results.client_message_for("cancellationByUser", Flow.REGISTRATION)
    assert text.startswith("Sie haben den Vorgang in der AusweisApp abgebrochen.")
    assert "keine Daten" in text and "Registrierung bleibt erhalten" in text


def test_age_refusal():
    assert "mindestens 16 Jahre" in results.age_refused_message(16, Flow.UPGRADE)
    assert "bleibt unverändert" in results.age_refused_message(16, Flow.UPGRADE)


def test_exceptions_carry_german_user_messages():
    error = EidResultError(results.RESULT_MAJOR_ERROR, ResultMinor.TOO_MANY_OPEN_SESSIONS)
    assert error.user_message == results.message_for(ResultMinor.TOO_MANY_OPEN_SESSIONS)
    assert "ausgelastet" in error.user_message
    assert "erneut" in SignatureRefused("whatever").user_message
