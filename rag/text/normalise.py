"""Normalising text for comparison: folded case and accents, and word lists."""

from __future__ import annotations

import unicodedata


def words_of(text: str) -> frozenset[str]:
    """A word list written as whitespace-separated words."""
    return frozenset(text.split())


def fold(text: str) -> str:
    """Lowercase and strip accents: ä→a, ö→o, ü→u, ß→ss, é→e; compatibility forms unified (NFKC)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
