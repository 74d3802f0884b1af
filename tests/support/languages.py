"""What of the message catalogue's German must not show on an English page."""
from __future__ import annotations

import html
import re
from pathlib import Path

from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible

CATALOGUE = Path(__file__).resolve().parents[2] / "idp" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def german_fragments() -> list[str]:
    """The text of every msgid whose English differs, without markup and placeholders,
    in pieces long enough not to be an English word too."""
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po)
    fragments = set()
    for message in catalogue:
        if not message.id or not message.string:
            continue
        german, english = (message.id, message.string) if isinstance(message.id, str) else (message.id[0],
                                                                                               message.string[0])
        if german == english:
            continue
        text = re.sub(r"<[^>]+>|&shy;", "", german)
        for piece in re.split(r"%\(\w+\)[sd]|\n", text):
            piece = " ".join(piece.split()).strip(" ,.:;–")
            if len(piece) >= 4 or piece in ("ja", "nein", "Ort"):
                fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


GERMAN = german_fragments()


def german_in(text: str) -> list[str]:
    """The catalogue's German pieces found in a page's visible text."""
    text = " ".join(text.split())
    # The substring test first: the catalogue has more pieces than `re` caches
    # patterns, so searching each piece's pattern recompiled all of them per page.
    return [piece for piece in GERMAN if piece in text and re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text)]


def visible_text(page_html: str) -> str:
    """The text of an HTML page's body as a reader meets it: no tags, scripts or
    templates, entities resolved; attribute texts a screen reader speaks (aria-label)
    are kept."""
    body = page_html.split("<body", 1)[-1]
    body = re.sub(r"<(script|template|style)\b.*?</\1>", " ", body, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', body))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + labels).split())


def check_english(page: Page, what: str, found: dict) -> None:
    """A browser page is English, passes axe-core, and shows no German of the
    catalogue; the German found is kept in `found` under `what`."""
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, f"{what} (English)")
    if left := german_in(page.locator("body").inner_text()):
        found[what] = left


def switch_to(page: Page, language: str) -> None:
    """The language switch of the page ("English" or "Deutsch")."""
    page.get_by_role("button", name=language).click()
    expect(page.locator("html")).to_have_attribute("lang", "en" if language == "English" else "de")
