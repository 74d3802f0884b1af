"""XML Encryption of assertions (saml-core-2.0-os 2.3.4, 6).

Encrypting: AES-256-GCM for the assertion, its key transported with RSA-OAEP
(rsa-oaep-mgf1p) to the recipient's certificate; the xenc:EncryptedKey sits in the
ds:KeyInfo of the xenc:EncryptedData, with the recipient certificate as a hint for
partners holding more than one key. GCM because it is authenticated: XML Encryption
with CBC can be turned into a decryption oracle by a tampered ciphertext (Jager and
Somorovsky, "How to Break XML Encryption", 2011). The xmlsec1 1.2 CLI that pysaml2
and many Debian-based partners use decrypts aes*-gcm; it only knows rsa-oaep-mgf1p
with its default SHA-1 for key transport, which is fine inside OAEP (no collision
resistance needed) and what every SAML stack understands.

Decrypting accepts only AES-GCM and RSA-OAEP. CBC (oracle), 3DES (64-bit blocks,
the default of pysaml2) and RSA PKCS#1 v1.5 (Bleichenbacher) are refused. The
incoming structure is not handed to xmlsec as it is: a minimal EncryptedData is
rebuilt from the cipher values and algorithms alone, so a RetrievalMethod,
CipherReference or KeyName from the sender can never make xmlsec fetch or look up
anything.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import xmlsec
from lxml import etree

from . import safexml
from .errors import DecryptionFailed, MalformedMessage
from .keys import CertificateLike, KeyPair, certificate_b64, xmlsec_public_key
from .namespaces import (
    AES128_GCM,
    AES256_GCM,
    DS,
    ELEMENT_TYPE,
    RSA_OAEP_MGF1P,
    SAML,
    SHA1,
    SHA256,
    XENC,
    XENC11,
    q,
)

DATA_ALGORITHMS = frozenset({AES128_GCM, XENC11 + "aes192-gcm", AES256_GCM})
KEY_TRANSPORT_ALGORITHMS = frozenset({RSA_OAEP_MGF1P})
_OAEP_DIGESTS = frozenset({SHA1, SHA256})


def _children(parent: etree._Element, tag: str) -> list[etree._Element]:
    return [child for child in parent if child.tag == tag]


# -- encryption ------------------------------------------------------------------------
def encrypt_assertion(assertion: etree._Element, recipient_cert: CertificateLike) -> etree._Element:
    """A new saml:EncryptedAssertion holding `assertion` (signed before, if at all)."""
    # Serialized on its own, the assertion carries every namespace it uses, so it
    # decrypts to the same element whatever the recipient's context.
    plaintext = etree.tostring(assertion, encoding="UTF-8", xml_declaration=False)
    container = etree.Element(q(SAML, "EncryptedAssertion"), nsmap={"saml": SAML})
    enc_data = xmlsec.template.encrypted_data_create(
        container, xmlsec.Transform.AES256_GCM, type=xmlsec.EncryptionType.ELEMENT, ns="xenc"
    )
    container.append(enc_data)
    xmlsec.template.encrypted_data_ensure_cipher_value(enc_data)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(enc_data, ns="ds")
    enc_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.Transform.RSA_OAEP)
    xmlsec.template.encrypted_data_ensure_cipher_value(enc_key)

    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec_public_key(recipient_cert))
    ctx = xmlsec.EncryptionContext(manager)
    ctx.key = xmlsec.Key.generate(xmlsec.KeyData.AES, 256, xmlsec.KeyDataType.SESSION)
    ctx.encrypt_binary(enc_data, plaintext)

    # Added after encrypting, so xmlsec does not try to resolve it as a key source.
    hint = etree.Element(q(DS, "KeyInfo"), nsmap={"ds": DS})
    etree.SubElement(etree.SubElement(hint, q(DS, "X509Data")), q(DS, "X509Certificate")).text = (
        certificate_b64(recipient_cert)
    )
    # Re-parsed so the tree holds only names lxml interned (xmlsec makes its own).
    result = safexml.parse(etree.tostring(container))
    encrypted_key = result.find(f"{q(XENC, 'EncryptedData')}/{q(DS, 'KeyInfo')}/{q(XENC, 'EncryptedKey')}")
    encrypted_key.find(q(XENC, "EncryptionMethod")).addnext(hint)
    return result


# -- decryption ------------------------------------------------------------------------
def decrypt_assertion(
    encrypted: etree._Element,
    keys: Sequence[KeyPair],
    *,
    namespaces: Mapping[str | None, str] | None = None,
) -> etree._Element:
    """The saml:Assertion inside `encrypted`, as a new standalone element.

    It is not yet verified: check its signature before reading anything from it.
    `namespaces` are prefixes in scope where the EncryptedAssertion was received, for
    senders whose plaintext uses prefixes declared further up (pysaml2 without
    self-contained encryption); `encrypted`'s own scope takes precedence. A wrong
    binding cannot do harm: it changes the assertion's canonical form, so its
    signature no longer verifies. Raises DecryptionFailed.
    """
    if encrypted.tag != q(SAML, "EncryptedAssertion"):
        raise DecryptionFailed(f"not an EncryptedAssertion: {encrypted.tag}")
    if not keys:
        raise DecryptionFailed("no decryption key configured")
    data_nodes = _children(encrypted, q(XENC, "EncryptedData"))
    if len(data_nodes) != 1:
        raise DecryptionFailed(f"expected one EncryptedData, found {len(data_nodes)}")
    enc_data = data_nodes[0]
    if enc_data.get("Type") != ELEMENT_TYPE:
        raise DecryptionFailed(f"EncryptedData of type {enc_data.get('Type')!r}, not an element")
    data_method = _algorithm(enc_data)
    if data_method not in DATA_ALGORITHMS:
        raise DecryptionFailed(f"data encryption {data_method!r} refused (AES-GCM only)")
    data_cipher = _cipher_value(enc_data)

    encrypted_keys = [
        key
        for info in _children(enc_data, q(DS, "KeyInfo"))
        for key in _children(info, q(XENC, "EncryptedKey"))
    ] + _children(encrypted, q(XENC, "EncryptedKey"))
    if not encrypted_keys:
        raise DecryptionFailed("no EncryptedKey")
    errors = []
    for encrypted_key in encrypted_keys:
        key_method = _algorithm(encrypted_key)
        if key_method not in KEY_TRANSPORT_ALGORITHMS:
            errors.append(f"key transport {key_method!r} refused (RSA-OAEP only)")
            continue
        method_node = encrypted_key.find(q(XENC, "EncryptionMethod"))
        digests = [d.get("Algorithm") for d in _children(method_node, q(DS, "DigestMethod"))]
        if any(d not in _OAEP_DIGESTS for d in digests) or len(digests) > 1:
            errors.append(f"OAEP digest {digests!r} refused")
            continue
        oaep_params = [_text(p) for p in _children(method_node, q(XENC, "OAEPparams"))]
        key_cipher = _cipher_value(encrypted_key)
        for keypair in keys:
            scope = {**(namespaces or {}), **encrypted.nsmap}
            template = _template(scope, data_method, data_cipher, key_method, digests, oaep_params, key_cipher)
            manager = xmlsec.KeysManager()
            manager.add_key(xmlsec.Key.from_memory(keypair.key_pem, xmlsec.KeyFormat.PEM))
            ctx = xmlsec.EncryptionContext(manager)
            try:
                ctx.decrypt(template[0])
            except xmlsec.Error as exc:
                errors.append(str(exc) or "xmlsec decryption failed")
                continue
            return _single_assertion(template)
    raise DecryptionFailed("no key of ours decrypts the assertion: " + "; ".join(errors))


def _algorithm(node: etree._Element) -> str | None:
    methods = _children(node, q(XENC, "EncryptionMethod"))
    return methods[0].get("Algorithm") if len(methods) == 1 else None


def _text(node: etree._Element) -> str:
    return (node.text or "").strip()


def _cipher_value(node: etree._Element) -> str:
    """The inline CipherValue; a CipherReference (a URI to fetch) is refused."""
    cipher_data = _children(node, q(XENC, "CipherData"))
    values = _children(cipher_data[0], q(XENC, "CipherValue")) if len(cipher_data) == 1 else []
    if len(values) != 1 or not (values[0].text or "").strip():
        raise DecryptionFailed("CipherData must hold one inline CipherValue")
    return values[0].text.strip()


def _template(nsmap, data_method, data_cipher, key_method, digests, oaep_params, key_cipher) -> etree._Element:
    """A wrapper holding a minimal EncryptedData built from the given parts only.

    The plaintext is parsed in the wrapper's context, so the wrapper declares the
    namespaces that were in scope at the EncryptedAssertion.
    """
    scope = dict(nsmap)
    scope.setdefault("saml", SAML)
    wrapper = etree.Element(q(SAML, "EncryptedAssertion"), nsmap=scope)
    enc_data = etree.SubElement(wrapper, q(XENC, "EncryptedData"), nsmap={"xenc": XENC, "ds": DS})
    enc_data.set("Type", ELEMENT_TYPE)
    etree.SubElement(enc_data, q(XENC, "EncryptionMethod")).set("Algorithm", data_method)
    key_info = etree.SubElement(enc_data, q(DS, "KeyInfo"))
    enc_key = etree.SubElement(key_info, q(XENC, "EncryptedKey"))
    method = etree.SubElement(enc_key, q(XENC, "EncryptionMethod"))
    method.set("Algorithm", key_method)
    for params in oaep_params[:1]:
        etree.SubElement(method, q(XENC, "OAEPparams")).text = params
    for digest in digests:
        etree.SubElement(method, q(DS, "DigestMethod")).set("Algorithm", digest)
    etree.SubElement(etree.SubElement(enc_key, q(XENC, "CipherData")), q(XENC, "CipherValue")).text = key_cipher
    etree.SubElement(etree.SubElement(enc_data, q(XENC, "CipherData")), q(XENC, "CipherValue")).text = data_cipher
    return wrapper


def _single_assertion(wrapper: etree._Element) -> etree._Element:
    """The one element the plaintext held, re-parsed by our parser as its own document."""
    nodes = list(wrapper)
    if (wrapper.text or "").strip() or len(nodes) != 1 or (nodes[0].tail or "").strip():
        raise DecryptionFailed("plaintext is not exactly one element")
    node = nodes[0]
    if not isinstance(node.tag, str):
        raise DecryptionFailed("plaintext is not an element")
    try:
        assertion = safexml.parse(etree.tostring(node))
    except MalformedMessage as exc:
        # e.g. a prefix the sender declared somewhere we were not told about
        raise DecryptionFailed(f"plaintext is not usable XML: {exc}") from exc
    if assertion.tag != q(SAML, "Assertion"):
        raise DecryptionFailed(f"plaintext is {assertion.tag}, not a saml:Assertion")
    return assertion
