"""XML namespaces and the SAML 2.0 URIs this package reads and writes."""

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"
# Profile extension of the BundID/AKDB accounts: requested attributes in the
# AuthnRequest and a trust level per returned attribute.
AKDB = "https://www.akdb.de/request/2018/09"

PROTOCOL = SAMLP  # protocolSupportEnumeration of SAML 2.0 roles

# Bindings (saml-bindings-2.0-os)
HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

# NameID formats
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"

ATTRNAME_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
CM_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

# Status codes (saml-core-2.0-os 3.2.2.2)
_STATUS = "urn:oasis:names:tc:SAML:2.0:status:"
STATUS_SUCCESS = _STATUS + "Success"
STATUS_REQUESTER = _STATUS + "Requester"
STATUS_RESPONDER = _STATUS + "Responder"
STATUS_VERSION_MISMATCH = _STATUS + "VersionMismatch"
STATUS_AUTHN_FAILED = _STATUS + "AuthnFailed"
STATUS_REQUEST_DENIED = _STATUS + "RequestDenied"
STATUS_NO_PASSIVE = _STATUS + "NoPassive"
STATUS_NO_AUTHN_CONTEXT = _STATUS + "NoAuthnContext"
STATUS_INVALID_NAMEID_POLICY = _STATUS + "InvalidNameIDPolicy"
STATUS_UNSUPPORTED_BINDING = _STATUS + "UnsupportedBinding"
STATUS_REQUEST_UNSUPPORTED = _STATUS + "RequestUnsupported"
TOP_LEVEL_STATUS = frozenset(
    {STATUS_SUCCESS, STATUS_REQUESTER, STATUS_RESPONDER, STATUS_VERSION_MISMATCH}
)

# Algorithms
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
AES256_CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
TRIPLEDES_CBC = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"
RSA_OAEP_MGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
RSA_1_5 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"

ELEMENT_TYPE = XENC + "Element"


def q(ns: str, name: str) -> str:
    """Clark notation, as lxml wants it."""
    return f"{{{ns}}}{name}"
