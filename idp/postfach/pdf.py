""""Vorgang herunterladen": the whole Vorgang as a PDF document to keep (seed 000) —
title, service, every message with its date, subject and text, and the list of its
attachments (their content stays in the Postfach, each downloadable there).

Made with ReportLab; the text is set in the Bitstream Vera font that ships with it and
is embedded, so umlauts and German quotes come out right in every PDF reader. Its own
words are in the language of the reader who downloads it (the messages stay as the
service wrote them).
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
from ..i18n import DEFAULT_LOCALE, _, force_locale, ngettext
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
LANGUAGE_TAGS = {"de": "de-DE", "en": "en-GB"}


def filename(case: Case, locale: str = DEFAULT_LOCALE) -> str:
    """A file name that every system accepts, from the title."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", case.title.translate(str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}))).strip("-")[:60]
    with force_locale(locale):
        return f"{_('Vorgang')}-{stem or case.id}.pdf"


def _text(value: str) -> str:
    """Plain text as a ReportLab paragraph: markup characters escaped, line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


def _size(size: int) -> str:
    return f"{size} {_('Byte')}" if size < 1024 else f"{size / 1024:.0f} KB"


def _author(message: Message) -> str:
    if message.direction == INCOMING:
        return message.case.client_name
    account = db.session.get(Account, message.author_id) if message.author_id else None
    return (account.display_name or account.email) if account is not None else str(_("Postfach"))


def _message(message: Message) -> list:
    when, author = shown(message.delivered_at), _author(message)
    line = (_("Eingang am %(date)s von %(service)s", date=when, service=author) if message.direction == INCOMING
            else _("Gesendet am %(date)s von %(author)s", date=when, author=author))
    parts = [Paragraph(_text(message.subject), HEADING), Paragraph(_text(line), META),
             Paragraph(_text(message.text), BODY)]
    if message.attachments:
        parts.append(Paragraph(f"<b>{_text(_('Anhänge'))}:</b>", BODY))
        parts += [Paragraph(f"• {_text(a.filename)} ({_text(a.media_type)}, {_size(a.size)})", BODY)
                  for a in message.attachments]
    return [KeepTogether(parts[:3]), *parts[3:]]


def render(case: Case, locale: str = DEFAULT_LOCALE) -> bytes:
    """The PDF of the Vorgang with all its messages, oldest first, its own words in
    `locale` (the reader's language)."""
    _register_fonts()
    with force_locale(locale):
        return _render(case, locale)


def _render(case: Case, locale: str) -> bytes:
    buffer = io.BytesIO()
    title = str(_("Vorgang: %(title)s", title=case.title))
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                                 bottomMargin=20 * mm, title=title, author=case.client_name,
                                 subject=str(_("Vorgang aus dem Postfach")), lang=LANGUAGE_TAGS[locale])
    count = len(case.messages)
    story = [Paragraph(_text(title), TITLE),
             Paragraph(_text(_("Online-Dienst: %(service)s", service=case.client_name)), BODY),
             Paragraph(_text(_("Zeichen des Online-Dienstes: %(reference)s", reference=case.reference)), BODY),
             Paragraph(_text(_("Heruntergeladen am %(date)s", date=shown(utcnow())) + " · "
                             + ngettext("%(num)d Nachricht", "%(num)d Nachrichten", count)), META),
             Spacer(1, 4 * mm)]
    for message in case.messages:
        story += _message(message)
    document.build(story)
    return buffer.getvalue()
