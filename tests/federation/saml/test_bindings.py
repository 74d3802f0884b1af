"""HTTP-Redirect and HTTP-POST: the query signature is checked over the octets as they
arrived, and nothing oversized or malformed gets through."""
from __future__ import annotations

import base64
import re
import zlib
from urllib.parse import parse_qsl, quote_plus, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from federation.saml import (
    MalformedMessage,
    SignatureRefused,
    build_authn_request,
    decode_post,
    parse_authn_request,
    parse_redirect,
    post_fields,
    redirect_url,
    safexml,
)
from federation.saml.namespaces import HTTP_REDIRECT, RSA_SHA256

from .support import LEVEL_3


@pytest.fixture
def query(by, nrw) -> str:
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=nrw.sso_url,
                                     class_refs=[LEVEL_3])
    return urlsplit(redirect_url(nrw.sso_url, request, "Rückkehr zu /konto?x=1&y", by.signing)).query


def parse_at_nrw(query, by, nrw):
    return parse_authn_request(HTTP_REDIRECT, query, lookup={by.entity_id: by.metadata}.get, sso_url=nrw.sso_url)


def replace_param(query: str, name: str, value: str) -> str:
    return "&".join(f"{name}={value}" if part.startswith(name + "=") else part for part in query.split("&"))


def raw_param(query: str, name: str) -> str:
    return next(part.split("=", 1)[1] for part in query.split("&") if part.startswith(name + "="))


def test_redirect_round_trip_with_awkward_relay_state(query, by, nrw):
    parsed = parse_at_nrw(query, by, nrw)
    assert parsed.relay_state == "Rückkehr zu /konto?x=1&y"
    assert [name for name, _ in parse_qsl(query)] == ["SAMLRequest", "RelayState", "SigAlg", "Signature"]
    assert dict(parse_qsl(query))["SigAlg"] == RSA_SHA256


def test_order_of_parameters_does_not_matter(query, by, nrw):
    """The signed octets are rebuilt in the binding's order from the raw values."""
    parts = query.split("&")
    assert parse_at_nrw("&".join(reversed(parts)), by, nrw).relay_state


def test_the_encoding_as_received_counts(query, by, nrw):
    """Re-encoding the same value differently (lower-case escapes) is another octet
    string: it no longer matches what the partner signed."""
    relay = raw_param(query, "RelayState")
    assert "%C3%BC" in relay
    with pytest.raises(SignatureRefused):
        parse_at_nrw(replace_param(query, "RelayState", relay.replace("%C3%BC", "%c3%bc")), by, nrw)


@pytest.mark.parametrize("name", ["SAMLRequest", "RelayState"])
def test_tampered_redirect_is_refused(query, by, nrw, name):
    original = raw_param(query, name)
    if name == "RelayState":
        tampered = quote_plus("https://attacker.example/")
    else:
        xml = zlib.decompress(base64.b64decode(parse_qsl(query)[0][1]), -15)
        xml = xml.replace(b'ForceAuthn', b'X') if b"ForceAuthn" in xml else xml.replace(b"<samlp:AuthnRequest ",
                                                                                     b'<samlp:AuthnRequest ForceAuthn="true" ')
        compressor = zlib.compressobj(wbits=-15)
        tampered = quote_plus(base64.b64encode(compressor.compress(xml) + compressor.flush()).decode())
    assert tampered != original
    with pytest.raises(SignatureRefused, match="does not verify"):
        parse_at_nrw(replace_param(query, name, tampered), by, nrw)


def test_partner_encoding_with_lowercase_escapes_is_verified_as_sent(by, nrw):
    """Some stacks (.NET's UrlEncode) write %2b where Python writes %2B. The partner
    signed its own octets; a verifier that re-encoded the decoded values would refuse
    a genuine request."""
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=nrw.sso_url,
                                     class_refs=[LEVEL_3])
    compressor = zlib.compressobj(wbits=-15)
    deflated = compressor.compress(safexml.to_bytes(request)) + compressor.flush()

    def lower(value: str) -> str:
        return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote_plus(value))

    encoded = lower(base64.b64encode(deflated).decode())
    assert "%" in encoded  # base64 of a few hundred bytes always has a + or / to escape
    query = f"SAMLRequest={encoded}&RelayState={lower('a/b c')}&SigAlg={lower(RSA_SHA256)}"
    signature = by.signing.private_key().sign(query.encode(), padding.PKCS1v15(), hashes.SHA256())
    query += "&Signature=" + lower(base64.b64encode(signature).decode())
    assert parse_at_nrw(query, by, nrw).relay_state == "a/b c"


def test_dropping_the_relay_state_breaks_the_signature(query, by, nrw):
    without = "&".join(p for p in query.split("&") if not p.startswith("RelayState="))
    with pytest.raises(SignatureRefused):
        parse_at_nrw(without, by, nrw)


def test_tampered_signature_bytes(query, by, nrw):
    signature = bytearray(base64.b64decode(dict(parse_qsl(query))["Signature"]))
    signature[10] ^= 1
    with pytest.raises(SignatureRefused):
        parse_at_nrw(replace_param(query, "Signature", quote_plus(base64.b64encode(bytes(signature)).decode())),
                     by, nrw)


def test_unsigned_or_sha1_redirect_is_refused(query, by, nrw):
    unsigned = "&".join(p for p in query.split("&") if not p.startswith(("Signature=", "SigAlg=")))
    with pytest.raises(SignatureRefused, match="not signed"):
        parse_at_nrw(unsigned, by, nrw)
    sha1 = replace_param(query, "SigAlg", quote_plus("http://www.w3.org/2000/09/xmldsig#rsa-sha1"))
    with pytest.raises(SignatureRefused, match="rsa-sha256 only"):
        parse_at_nrw(sha1, by, nrw)


def test_redirect_signed_by_a_stranger(by, nrw, stranger):
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=nrw.sso_url,
                                     class_refs=[LEVEL_3])
    query = urlsplit(redirect_url(nrw.sso_url, request, None, stranger)).query
    with pytest.raises(SignatureRefused):
        parse_at_nrw(query, by, nrw)


def test_duplicate_parameters_are_refused(query, by, nrw):
    with pytest.raises(MalformedMessage, match="twice"):
        parse_at_nrw(query + "&RelayState=other", by, nrw)


def test_deflate_bomb_is_refused():
    compressor = zlib.compressobj(wbits=-15)
    bomb = compressor.compress(b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>") + compressor.flush()
    assert len(bomb) < 30_000
    with pytest.raises(MalformedMessage, match="too large"):
        parse_redirect("SAMLRequest=" + quote_plus(base64.b64encode(bomb).decode()))


@pytest.mark.parametrize("value", ["%%%", quote_plus(base64.b64encode(b"not deflate at all").decode())])
def test_broken_encodings_are_refused(value):
    with pytest.raises(MalformedMessage):
        parse_redirect("SAMLRequest=" + value)


def test_destination_with_a_query_of_its_own(by, nrw):
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=nrw.sso_url,
                                     class_refs=[LEVEL_3])
    url = redirect_url(nrw.sso_url + "?tenant=nrw", request, None, by.signing)
    assert url.startswith(nrw.sso_url + "?tenant=nrw&SAMLRequest=")
    message = parse_redirect(urlsplit(url).query)
    message.verify([by.signing.cert_pem])
    assert safexml.parse(message.xml).get("ID") == request.get("ID")


def test_relay_state_limit_when_sending(by, nrw):
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=nrw.sso_url,
                                     class_refs=[LEVEL_3])
    with pytest.raises(ValueError):
        redirect_url(nrw.sso_url, request, "x" * 81, by.signing)
    with pytest.raises(ValueError):
        post_fields(request, "x" * 81)


def test_post_fields_and_decode(by, nrw):
    _, request = build_authn_request(sp_entity_id=by.entity_id, acs_url=by.acs_url, destination=nrw.sso_url,
                                     class_refs=[LEVEL_3])
    fields = post_fields(request, "abc")
    assert set(fields) == {"SAMLRequest", "RelayState"}
    assert safexml.parse(decode_post(fields["SAMLRequest"])).get("ID") == request.get("ID")
    assert "RelayState" not in post_fields(request)
    with pytest.raises(MalformedMessage):
        decode_post("this is not base64!")
