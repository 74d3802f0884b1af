"""SAML 2.0 core for federation between the states' accounts (BSI TR-03160-2): a
protocol library without web framework, for both roles of an account.

Modules:
- `messages`: Web Browser SSO. Relying side: `build_authn_request`, `parse_response`.
  Asserting side: `parse_authn_request`, `build_response`, `build_error_response`.
- `bindings`: HTTP-Redirect (`redirect_url`, `parse_redirect`, signed query) and
  HTTP-POST (`post_fields`, `decode_post`).
- `metadata`: `build_metadata` (our signed EntityDescriptor, IdP and SP role) and
  `parse_metadata` (a partner's, into `EntityMetadata`).
- `xmldsig`: enveloped signatures; `verify` returns the element that was signed and
  is built against signature wrapping.
- `xmlenc`: AES-256-GCM / RSA-OAEP encryption of assertions.
- `schema`: validation against the official OASIS/W3C XSDs shipped in `schemas/`.
- `safexml`: the one parser (no DTD, no entities, no network).
- `keys`: `KeyPair` and certificate loading (PEM or base64 DER).
- `namespaces`: namespaces, bindings, status codes, algorithms.
- `errors`: `SamlError` and its subclasses, each with a `code` and a German
  `user_message` that is safe to show.

The package never imports a web framework or the IdP application: the app drives it,
keeps the request IDs, the replay cache and the partner list.
"""
from .bindings import decode_post, parse_redirect, post_fields, redirect_url
from .errors import (
    DecryptionFailed,
    ExpiredMessage,
    MalformedMessage,
    MessageRefused,
    MetadataError,
    ReplayedAssertion,
    SamlError,
    SamlStatusError,
    SchemaViolation,
    SignatureRefused,
    UnknownPartner,
)
from .keys import KeyPair, load_certificate
from .messages import (
    AssertionResult,
    ParsedAuthnRequest,
    SamlAttribute,
    build_assertion,
    build_authn_request,
    build_error_response,
    build_response,
    parse_authn_request,
    parse_response,
)
from .metadata import (
    Endpoint,
    EntityMetadata,
    IndexedEndpoint,
    RequestedAttribute,
    build_metadata,
    parse_metadata,
)

__all__ = [
    "AssertionResult",
    "DecryptionFailed",
    "Endpoint",
    "EntityMetadata",
    "ExpiredMessage",
    "IndexedEndpoint",
    "KeyPair",
    "MalformedMessage",
    "MessageRefused",
    "MetadataError",
    "ParsedAuthnRequest",
    "ReplayedAssertion",
    "RequestedAttribute",
    "SamlAttribute",
    "SamlError",
    "SamlStatusError",
    "SchemaViolation",
    "SignatureRefused",
    "UnknownPartner",
    "build_assertion",
    "build_authn_request",
    "build_error_response",
    "build_metadata",
    "build_response",
    "decode_post",
    "load_certificate",
    "parse_authn_request",
    "parse_metadata",
    "parse_redirect",
    "parse_response",
    "post_fields",
    "redirect_url",
]
