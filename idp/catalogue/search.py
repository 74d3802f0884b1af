"""Keyword search over the catalogue (SPEC §5).

Every word of the query must occur, as part of a word, in the service's name,
description, authority or keywords ("Gewerbe" finds "Gewerbeanmeldung"). Case does not
matter and German spellings are folded: ä, ae and a are one letter (likewise ö/oe/o,
ü/ue/u) and ß is ss, so "Fuehrerschein", "Führerschein" and "Fuhrerschein" find the
same service. Services whose name holds the query come first.

The catalogue holds a few hundred services at most, and the folding is the same on
SQLite and PostgreSQL only in Python, so the search reads the listed services and
filters them here.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from ..extensions import db
from ..oidc.models import Client

SUGGESTION_COUNT = 8
# Fewer letters match nearly everything: no help while typing.
SUGGESTION_MIN_LETTERS = 2
# Spelled-out umlauts (after diacritics are gone, "ä" is "a" already).
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str) -> str:
    """The form in which query and services are compared."""
    text = unicodedata.normalize("NFKD", (text or "").casefold())  # casefold: ß → ss
    text = "".join(c for c in text if not unicodedata.combining(c))
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    return text


def words(query: str) -> list[str]:
    """The query's words, folded; punctuation separates words."""
    return re.findall(r"\w+", fold(query))


def listed() -> list[Client]:
    """The services the catalogue shows: listed by the operator and not disabled."""
    return list(db.session.scalars(select(Client).where(Client.in_catalogue.is_(True), Client.disabled.is_(False))
                                   .order_by(Client.name)))


def search(query: str) -> list[Client]:
    """The listed services matching `query` (all of them for an empty one), best first."""
    wanted = words(query)
    ranked = []
    for client in listed():
        rank = _rank(client, wanted)
        if rank is not None:
            ranked.append((rank, fold(client.name), client.client_id, client))
    return [client for *_, client in sorted(ranked, key=lambda row: row[:3])]


def suggest(query: str) -> list[Client]:
    """The first few matches while the user types."""
    if sum(len(w) for w in words(query)) < SUGGESTION_MIN_LETTERS:
        return []
    return search(query)[:SUGGESTION_COUNT]


def _rank(client: Client, wanted: list[str]) -> tuple[int, int] | None:
    """None when a word occurs nowhere; else smaller is better: every word in the name
    (name starting with the first word before the others), some word in the name, a
    keyword, only description or authority."""
    if not wanted:
        return (0, 0)
    name = fold(client.name)
    keywords = " ".join(fold(k) for k in client.keywords or [])
    text = " ".join((name, keywords, fold(client.description or ""), fold(client.authority or "")))
    if not all(w in text for w in wanted):
        return None
    in_name = [w in name for w in wanted]
    if all(in_name):
        return (0, 0 if name.startswith(wanted[0]) else 1)
    if any(in_name):
        return (1, 0)
    if any(w in keywords for w in wanted):
        return (2, 0)
    return (3, 0)
