"""The languages of the pages and mails, for every layer: domain modules mark their
user-facing German messages with `_` (translated lazily, when a page or mail is
rendered in the reader's language) without touching the request."""
from __future__ import annotations

from flask_babel import force_locale, gettext, ngettext
from flask_babel.speaklater import LazyString
from markupsafe import escape

__all__ = ["DEFAULT_LOCALE", "LOCALES", "_", "force_locale", "ngettext", "supported"]

# German is the language of the administration and of the msgids; English is a
# translation in idp/translations/.
DEFAULT_LOCALE = "de"
LOCALES = ("de", "en")


class Message(LazyString):
    """A lazy message that Jinja escapes like any other text. flask-babel's LazyString
    passes itself off as markup (`__html__` returns it unescaped), which would put a
    `<` of a message, or of a value interpolated into it, into the page as HTML."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def _(string: str, **variables) -> Message:
    return Message(gettext, string, **variables)


def supported(value: str | None) -> str | None:
    """The first of our languages in a space-separated preference list (OIDC
    `ui_locales`, e.g. "en-GB de"), or None."""
    for tag in (value or "").split():
        language = tag.split("-", 1)[0].lower()
        if language in LOCALES:
            return language
    return None
