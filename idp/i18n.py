"""The languages of the pages and mails, for every layer: domain modules mark their
user-facing German messages with `_` (translated lazily, when a page or mail is
rendered in the reader's language) without touching the request."""
from __future__ import annotations

from flask_babel import force_locale, lazy_gettext, ngettext

__all__ = ["DEFAULT_LOCALE", "LOCALES", "_", "force_locale", "ngettext", "supported"]

# German is the language of the administration and of the msgids; English is a
# translation in idp/translations/.
DEFAULT_LOCALE = "de"
LOCALES = ("de", "en")
_ = lazy_gettext


def supported(value: str | None) -> str | None:
    """The first of our languages in a space-separated preference list (OIDC
    `ui_locales`, e.g. "en-GB de"), or None."""
    for tag in (value or "").split():
        language = tag.split("-", 1)[0].lower()
        if language in LOCALES:
            return language
    return None
