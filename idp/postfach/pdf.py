""""Vorgang herunterladen": the whole Vorgang as a PDF document to keep (seed 000) —
title, service, every message with its date, subject and text, and the list of its
attachments (their content stays in the Postfach, each downloadable there).

Made with ReportLab; the text is set in the Bitstream Vera font that ships with it and
is embedded, so umlauts and German quotes come out right in every PDF reader.
"""
from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from ..accounts.models import Account
from ..extensions import db
from ..timeutil import utcnow
from .dates import shown
from .models import INCOMING, Case, Message

FONT, BOLD = "Vera", "VeraBd"
_fonts_ready = False


def _register_fonts() -> None:
    global _fonts_ready
    if not _fonts_ready:
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD)
        _fonts_ready = True


TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=6)
HEADING = ParagraphStyle("heading", fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, spaceAfter=4)
META = ParagraphStyle("meta", parent=BODY, textColor="#484c5e")


def filename(case: Case) -> str:
    """A file name that every system accepts, from the title."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", case.title.translate(str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}))).strip("-")[:60]
    return f"Vorgang-{stem or case.id}.pdf"


def _text(value: str) -> str:
    """Plain text as a ReportLab paragraph: markup characters escaped, line breaks kept."""
    return escape(value).replace("\n", "<br/>")


def _size(size: int) -> str:
    return f"{size} Byte" if size < 1024 else f"{size / 1024:.0f} KB".replace(".", ",")


def _author(message: Message) -> str:
    if message.direction == INCOMING:
        return message.case.client_name
    account = db.session.get(Account, message.author_id) if message.author_id else None
    return (account.display_name or account.email) if account is not None else "Postfach"


def _message(message: Message) -> list:
    label = "Eingang" if message.direction == INCOMING else "Gesendet"
    parts = [Paragraph(_text(message.subject), HEADING),
             Paragraph(f"{label} am {shown(message.delivered_at)} · von {_text(_author(message))}", META),
             Paragraph(_text(message.text), BODY)]
    if message.attachments:
        parts.append(Paragraph("<b>Anhänge:</b>", BODY))
        parts += [Paragraph(f"• {_text(a.filename)} ({_text(a.media_type)}, {_size(a.size)})", BODY)
                  for a in message.attachments]
    return [KeepTogether(parts[:3]), *parts[3:]]


def render(case: Case) -> bytes:
    """The PDF of the Vorgang with all its messages, oldest first."""
    _register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                                 bottomMargin=20 * mm, title=f"Vorgang: {case.title}", author=case.client_name,
                                 subject="Vorgang aus dem Postfach", lang="de-DE")
    story = [Paragraph(_text(f"Vorgang: {case.title}"), TITLE),
             Paragraph(f"Online-Dienst: {_text(case.client_name)}", BODY),
             Paragraph(f"Zeichen des Online-Dienstes: {_text(case.reference)}", BODY),
             Paragraph(f"Heruntergeladen am {shown(utcnow())} · {len(case.messages)} "
                       f"{'Nachricht' if len(case.messages) == 1 else 'Nachrichten'}", META),
             Spacer(1, 4 * mm)]
    for message in case.messages:
        story += _message(message)
    document.build(story)
    return buffer.getvalue()
