"""Sentence-aware chunking with exact character offsets into the document body."""

from __future__ import annotations

import re

from rag.schema import Chunk

# Words after which a period does not end a sentence (German and English).
_ABBREVIATIONS = frozenset([
    "z.b", "bzw", "ca", "usw", "vgl", "dr", "prof", "nr", "mio", "mrd", "tsd", "abs", "etc", "inkl", "ggf", "evtl",
    "ua", "u.a", "z.t", "d.h", "s.o", "o.ä", "mr", "mrs", "ms", "jr", "sr", "st", "vs", "e.g", "i.e", "fig", "no",
    "approx", "inc", "ltd", "corp", "co", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec",
])
# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’»)\]]*\s+|\n+")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text[start:end]`, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _BOUNDARY.finditer(text, start, end):
        separator = match.group(0)
        if "\n" not in separator and not _ends_sentence(text, pos, match):
            continue
        closers = len(separator) - len(separator.lstrip("\"'”’»)]"))
        _add_span(text, pos, match.start() + closers, spans)
        pos = match.end()
    _add_span(text, pos, end, spans)
    return spans


def _ends_sentence(text: str, sent_start: int, match: re.Match[str]) -> bool:
    """Whether the period before `match` ends a sentence (not an abbreviation or a day like '30.')."""
    before = text[sent_start : match.start()]
    word = re.search(r"(\S+)$", before)
    if word is None or text[match.start() - 1] != ".":
        return True
    token = word.group(1).rstrip(".").lower()
    if token in _ABBREVIATIONS or re.fullmatch(r"\d{1,2}|[a-z]", token):
        return False  # abbreviation, initial, or a German ordinal date ("30. September")
    following = text[match.end() : match.end() + 1]
    return not following.islower()


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if not stripped:
        return
    lead = len(segment) - len(segment.lstrip())
    spans.append((start + lead, start + lead + len(stripped)))


def chunk_text(doc_id: str, text: str, size: int = 700, overlap: int = 150) -> list[Chunk]:
    """Pack whole sentences into chunks of about `size` characters, repeating up to `overlap` characters
    of trailing sentences at the start of the next chunk. A sentence longer than `size` is its own chunk."""
    sentences = split_sentences(text)
    chunks: list[Chunk] = []
    first = 0
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences) and sentences[last + 1][1] - sentences[first][0] <= size:
            last += 1
        start, end = sentences[first][0], sentences[last][1]
        chunks.append(Chunk(doc_id=doc_id, index=len(chunks), start=start, end=end, text=text[start:end]))
        if last + 1 >= len(sentences):
            break
        following = last + 1
        # Step back over whole sentences that fit in the overlap, but always make progress.
        while following - 1 > first and end - sentences[following - 1][0] <= overlap:
            following -= 1
        first = following
    return chunks
