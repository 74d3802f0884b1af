"""E-mail addresses whose domain is internationalised (IDNA, RFC 5890), such as
`post@müller.de`: kept and compared in the Unicode form people write, sent in the
ASCII form (`xn--mller-kva.de`) every SMTP server takes without SMTPUTF8. The local
part stays ASCII: a non-ASCII local part would need SMTPUTF8 at every hop."""
from __future__ import annotations

import idna


def ascii_domain(domain: str) -> str | None:
    """The A-label form (UTS #46 mapping, so case and width variants are the same
    domain), or None when it is no domain name at all."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None


def unicode_domain(domain: str) -> str | None:
    ascii_form = ascii_domain(domain)
    try:
        return idna.decode(ascii_form) if ascii_form else None
    except (idna.IDNAError, UnicodeError):
        return None


def for_smtp(address: str) -> str:
    """The address as the SMTP envelope and the To header carry it."""
    local, at, domain = address.rpartition("@")
    ascii_form = ascii_domain(domain) if at else None
    return f"{local}@{ascii_form}" if ascii_form else address
