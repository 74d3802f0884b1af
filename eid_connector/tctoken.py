"""TC token (TR-03124-1 2.4): tells the eID-Client where the eID-Server is, which PSK
secures the channel and where to send the browser afterwards.

The eService serves it as text/xml at the tcTokenURL; the browser reaches the eID-Client
through `client_url()` (the AusweisApp listens on 127.0.0.1:24727).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import hardened_xml
from lxml import etree

from . import schema
from .errors import EidProtocolError

BINDING_PAOS = "urn:liberty:paos:2006-08"
PATH_SECURITY_PSK = "urn:ietf:rfc:4279"
EID_CLIENT_URL = "http://127.0.0.1:24727/eID-Client"


@dataclass(frozen=True)
class TcToken:
    server_address: str
    # SessionIdentifier = PSK ID (TR-03130 3.5.3 session binding).
    session_identifier: str
    # Must be unpredictable: reaching it is what ends the eID step in the browser.
    refresh_address: str
    psk: bytes
    communication_error_address: str | None = None
    binding: str = BINDING_PAOS
    path_security_protocol: str = PATH_SECURITY_PSK


def build_tc_token(token: TcToken) -> bytes:
    """Serialized, schema-valid TC token."""
    root = etree.Element("TCTokenType")
    for name, value in (
        ("ServerAddress", token.server_address),
        ("SessionIdentifier", token.session_identifier),
        ("RefreshAddress", token.refresh_address),
        ("CommunicationErrorAddress", token.communication_error_address),
        ("Binding", token.binding),
        ("PathSecurity-Protocol", token.path_security_protocol),
    ):
        if value is not None:
            etree.SubElement(root, name).text = value
    parameters = etree.SubElement(root, "PathSecurity-Parameters")
    etree.SubElement(parameters, "PSK").text = token.psk.hex().upper()
    schema.validate_tc_token(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse_tc_token(data: bytes) -> TcToken:
    """For the eID-Client simulator: validate and read a TC token."""
    try:
        root = hardened_xml.parse(data)
    except hardened_xml.XmlRefused as exc:
        raise EidProtocolError(f"TC token refused: {exc}") from exc
    schema.validate_tc_token(root)

    def text(name: str) -> str | None:
        value = root.findtext(name)
        return value.strip() if value is not None else None

    psk = root.findtext("PathSecurity-Parameters/PSK")
    return TcToken(
        server_address=text("ServerAddress"),
        session_identifier=text("SessionIdentifier"),
        refresh_address=text("RefreshAddress"),
        psk=bytes.fromhex("".join((psk or "").split())),
        communication_error_address=text("CommunicationErrorAddress"),
        binding=text("Binding"),
        path_security_protocol=text("PathSecurity-Protocol") or "",
    )


def client_url(tc_token_url: str, eid_client_url: str = EID_CLIENT_URL) -> str:
    """Where the browser goes to start the eID-Client (TR-03124-1 2.2)."""
    return f"{eid_client_url}?{urlencode({'tcTokenURL': tc_token_url})}"
