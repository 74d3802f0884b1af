"""The body of `POST /api/postfach/v1/nachrichten` checked into a `NewMessage`.

Every refusal names its field as a JSON Pointer into the body (`/vorgang/titel`,
`/anhaenge/0/inhalt`), all of them at once, so a service fixes its request in one go.
An attachment must be what its `medientyp` says: the content is sniffed, so a
citizen never opens an executable that calls itself a PDF.
"""
from __future__ import annotations

import binascii
import json
import re
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

from .delivery import MAX_ATTACHMENTS_BYTES, MEDIA_TYPES, NewAttachment, NewMessage

MAX_REFERENCE = 200  # Case.reference
MAX_TITLE = 200  # Case.title
MAX_SUBJECT = 255  # Message.subject
MAX_TEXT = 100_000  # characters: a letter, not a document (documents are attachments)
MAX_FILENAME = 255  # Attachment.filename
MAX_ATTACHMENTS = 20
MAX_IDENTIFIER = 255  # IssuedIdentifier.identifier
MAX_IDEMPOTENCY_KEY = 255  # Message.idempotency_key
# What the largest valid message needs: 10 MB of attachments grow by a third in base64,
# plus the text (JSON escapes make a character up to 12 bytes) and the rest.
MAX_BODY_BYTES = 16 * 1024 * 1024

FIELDS = {"empfaenger", "vorgang", "betreff", "text", "antwort_erlaubt", "anhaenge"}
ATTACHMENT_FIELDS = {"dateiname", "medientyp", "inhalt"}
# Single-line fields: no control characters. PostgreSQL cannot store NUL in any text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KEY = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII (RFC 8941 sf-string content)


@dataclass(frozen=True)
class FieldError:
    field: str  # JSON Pointer into the body, or the name of a header or query parameter
    detail: str


class InvalidInput(Exception):
    """The request cannot be delivered as it stands; `too_large` when only the
    attachments' total size is at fault (413, not 422)."""

    def __init__(self, errors: list[FieldError], too_large: bool = False):
        super().__init__("; ".join(f"{e.field}: {e.detail}" for e in errors))
        self.errors = errors
        self.too_large = too_large


@dataclass(frozen=True)
class Request:
    kind: str  # "sub" | "organisation"
    identifier: str
    message: NewMessage


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes):
    """The body as JSON, or ValueError (also for NaN and Infinity, which are not JSON)."""
    return json.loads(data, parse_constant=_refuse_constant)


def idempotency_key(value: str | None) -> str | None:
    """The Idempotency-Key header: a string of visible ASCII, bare or as an RFC 8941
    sf-string in quotes (draft-ietf-httpapi-idempotency-key-header)."""
    if value is None:
        return None
    key = value.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not _KEY.match(key):
        raise InvalidInput([FieldError("Idempotency-Key", f"1 bis {MAX_IDEMPOTENCY_KEY} sichtbare ASCII-Zeichen.")])
    return key


class _Checker:
    def __init__(self):
        self.errors: list[FieldError] = []

    def fail(self, field: str, detail: str) -> None:
        self.errors.append(FieldError(field, detail))

    def obj(self, value, field: str, allowed: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.fail(field, "Ein JSON-Objekt wird erwartet.")
            return None
        for name in sorted(set(value) - allowed):
            self.fail(f"{field}/{name}", "Unbekanntes Feld.")
        return value

    def member(self, parent: dict, name: str, allowed: set[str]) -> dict | None:
        """A required member that is an object."""
        if parent.get(name) is None:
            self.fail(f"/{name}", "Pflichtfeld.")
            return None
        return self.obj(parent[name], f"/{name}", allowed)

    def line(self, parent: dict, name: str, field: str, max_length: int) -> str | None:
        """A required single-line string."""
        value = parent.get(name)
        if value is None:
            self.fail(field, "Pflichtfeld.")
        elif not isinstance(value, str):
            self.fail(field, "Eine Zeichenkette wird erwartet.")
        elif not value.strip():
            self.fail(field, "Darf nicht leer sein.")
        elif len(value) > max_length:
            self.fail(field, f"Höchstens {max_length} Zeichen.")
        elif _CONTROL.search(value):
            self.fail(field, "Darf keine Steuerzeichen enthalten.")
        else:
            return value.strip()
        return None


def parse(body) -> Request:
    """The checked request; raises InvalidInput naming every offending field."""
    check = _Checker()
    root = check.obj(body, "", FIELDS)
    if root is None:
        raise InvalidInput(check.errors)
    recipient = _recipient(check, check.member(root, "empfaenger", {"sub", "organisation"}))
    case = check.member(root, "vorgang", {"referenz", "titel"})
    reference = check.line(case, "referenz", "/vorgang/referenz", MAX_REFERENCE) if case is not None else None
    title = check.line(case, "titel", "/vorgang/titel", MAX_TITLE) if case is not None else None
    subject = check.line(root, "betreff", "/betreff", MAX_SUBJECT)
    text = _text(check, root.get("text"))
    reply_allowed = root.get("antwort_erlaubt", False)
    if not isinstance(reply_allowed, bool):
        check.fail("/antwort_erlaubt", "true oder false wird erwartet.")
    attachments = _attachments(check, root.get("anhaenge", []))
    if check.errors:
        raise InvalidInput(check.errors)
    total = sum(len(a.content) for a in attachments)
    if total > MAX_ATTACHMENTS_BYTES:
        raise InvalidInput([FieldError("/anhaenge", f"Alle Anhänge zusammen höchstens {MAX_ATTACHMENTS_BYTES} Bytes "
                                                    f"(hier {total}).")], too_large=True)
    kind, identifier = recipient
    return Request(kind, identifier, NewMessage(reference=reference, title=title, subject=subject, text=text,
                                                reply_allowed=reply_allowed, attachments=attachments))


def _recipient(check: _Checker, recipient: dict | None) -> tuple[str, str] | None:
    if recipient is None:
        return None
    named = [k for k in ("sub", "organisation") if k in recipient]
    if len(named) != 1:
        check.fail("/empfaenger", "Genau eines der Felder sub oder organisation wird erwartet.")
        return None
    identifier = check.line(recipient, named[0], f"/empfaenger/{named[0]}", MAX_IDENTIFIER)
    return (named[0], identifier) if identifier is not None else None


def _text(check: _Checker, value) -> str | None:
    if value is None:
        check.fail("/text", "Pflichtfeld.")
    elif not isinstance(value, str):
        check.fail("/text", "Eine Zeichenkette wird erwartet.")
    elif not value.strip():
        check.fail("/text", "Darf nicht leer sein.")
    elif len(value) > MAX_TEXT:
        check.fail("/text", f"Höchstens {MAX_TEXT} Zeichen.")
    elif _TEXT_CONTROL.search(value):
        check.fail("/text", "Darf außer Zeilenumbruch und Tabulator keine Steuerzeichen enthalten.")
    else:
        return value
    return None


def _attachments(check: _Checker, value) -> list[NewAttachment]:
    if not isinstance(value, list):
        check.fail("/anhaenge", "Eine Liste wird erwartet.")
        return []
    if len(value) > MAX_ATTACHMENTS:
        check.fail("/anhaenge", f"Höchstens {MAX_ATTACHMENTS} Anhänge.")
        return []
    found = []
    for index, item in enumerate(value):
        field = f"/anhaenge/{index}"
        entry = check.obj(item, field, ATTACHMENT_FIELDS)
        if entry is None:
            continue
        filename = check.line(entry, "dateiname", field + "/dateiname", MAX_FILENAME)
        if filename is not None and ("/" in filename or "\\" in filename or filename in (".", "..")):
            check.fail(field + "/dateiname", "Ein Dateiname ohne Pfad wird erwartet.")
            filename = None
        media_type = entry.get("medientyp")
        if media_type not in MEDIA_TYPES:
            check.fail(field + "/medientyp", "Erlaubt sind " + ", ".join(MEDIA_TYPES) + ".")
            media_type = None
        content = _content(check, entry.get("inhalt"), field + "/inhalt")
        if content is not None and media_type is not None and not matches(media_type, content):
            check.fail(field + "/inhalt", f"Der Inhalt ist kein {media_type}.")
        elif filename is not None and media_type is not None and content is not None:
            found.append(NewAttachment(filename, media_type, content))
    return found


def _content(check: _Checker, value, field: str) -> bytes | None:
    if not isinstance(value, str) or not value:
        check.fail(field, "Der Inhalt wird base64-kodiert erwartet.")
        return None
    try:
        content = binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError):
        check.fail(field, "Kein gültiges base64 (RFC 4648 §4, ohne Zeilenumbrüche).")
        return None
    if not content:
        check.fail(field, "Die Datei ist leer.")
        return None
    return content


def matches(media_type: str, content: bytes) -> bool:
    """Whether the content is of the media type it claims."""
    if media_type == "application/pdf":
        return content.startswith(b"%PDF-")
    if media_type == "image/png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if media_type == "image/jpeg":
        return content.startswith(b"\xff\xd8\xff")
    try:
        parse_xml(content)
    except (ParseError, DefusedXmlException, ValueError):
        return False
    return True
