"""Sentence-aware chunking with exact character offsets into the document body, one section per chunk."""

from __future__ import annotations

import re

from rag.schema import Chunk
from rag.structure import PATH_SEPARATOR, Outline, iter_blocks

# Words after which a period does not end a sentence (German and English).
_ABBREVIATIONS = frozenset([
    "z.b", "bzw", "ca", "usw", "vgl", "dr", "prof", "nr", "mio", "mrd", "tsd", "abs", "etc", "inkl", "ggf", "evtl",
    "ua", "u.a", "z.t", "d.h", "s.o", "o.ä", "mr", "mrs", "ms", "jr", "sr", "st", "vs", "e.g", "i.e", "fig", "no",
    "approx", "inc", "ltd", "corp", "co", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "bspw", "sog", "s", "u", "z", "abb", "kap", "tab", "bd", "hrsg",
])
# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace; without an outline, at a line break too.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’»)\]]*\s+|\n+")
_BOUNDARY_IN_BLOCK = re.compile(r"(?<=[.!?])[\"'”’»)\]]*\s+")


def split_sentences(text: str, start: int = 0, end: int | None = None,
                    outline: Outline | None = None, continued: bool = False) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text[start:end]`, trimmed of surrounding whitespace.

    With an outline (the document's structure) a line break inside a hard-wrapped paragraph is no boundary, while
    blank lines, list items, headings and option lines are (rag.structure). Without one, every line break is.
    `continued`: the text is a piece of a document that starts inside a line (rag.structure.iter_blocks)."""
    end = len(text) if end is None else end
    if outline is None:
        return _split(text, start, end, _BOUNDARY)
    heads = {h.start for h in outline.headings}
    spans: list[tuple[int, int]] = []
    for block_start, block_end in iter_blocks(text, outline, start, end, continued):
        if block_start in heads:
            spans.append((block_start, block_end))  # a heading is one unit, whatever punctuation it holds
        elif _commands(text, block_start, block_end):
            spans.extend(_command_spans(text, block_start, block_end))
        else:
            spans.extend(_split(text, block_start, block_end, _BOUNDARY_IN_BLOCK))
    return _fenced_code(text, _grid_rows(text, spans))


# A command line after a shell prompt: "$ tar -cvJf archive.tar.xz ./source", "# cd ./source; rsync -aHAXSv . /dest".
_PROMPT_LINE = re.compile(r"[ \t\u00a0]*[$#%][ \t\u00a0]+(sudo[ \t]+)?(\(|[a-z][\w.+-]*([ \t;|&]|$))")


def _commands(text: str, start: int, end: int) -> bool:
    return all(_PROMPT_LINE.match(line) for line in text[start:end].split("\n"))


def _command_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A block of command lines is one unit, or one unit per line when it is longer than CODE_LINES: a period in
    "find . -print0" or "rsync -a . /dest" ends no sentence."""
    if text.count("\n", start, end) < CODE_LINES:
        return [(start, end)]
    return [_trimmed(text, lo, hi) for lo, hi in _line_spans(text, start, end)]


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the lines of text[start:end], without their newlines."""
    spans = []
    at = start
    for line in text[start:end].split("\n"):
        spans.append((at, at + len(line)))
        at += len(line) + 1
    return spans


# A table drawn in text. An ASCII grid table (the plain-text rendering of an HTML table) has borders "+-----+", rules
# "|-----+-----|" between rows and rows "|cell   |cell |" whose cells wrap over several lines; a Markdown table has no
# border, one rule "|:---|---:|" under its column heads, and one row per line.
_GRID_BORDER = re.compile(r"[ \t\u00a0]*\+[-=+]{3,}\+[ \t]*")
_GRID_RULE = re.compile(r"[ \t\u00a0]*\|(?=[^\n]*[-=]{3})[-=+|: \t]{3,}\|[ \t]*")
_GRID_LINE = re.compile(r"[ \t\u00a0]*\|[^\n]*\|[ \t]*")
HEADER_CELL_WORDS = 3  # a table's first row whose cells are all this short is its column heads


def _grid_rows(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans with each row of a table drawn in text as one unit (the wrapped lines of a grid table's row joined,
    as a reader reads the row, and a period inside a cell ending nothing), without the table's borders and rules,
    and without its column heads ("|  Tätigkeit  |  Befehl  |"): like a heading they are context, never a
    statement."""
    if "|" not in text:
        return spans
    out: list[tuple[int, int]] = []
    row: list[tuple[int, int]] = []
    # bordered: the table opened with its border; markdown: a rule without "+" was read (one row per line from there);
    # first_row: no row of the table read yet. A chunk may open in the middle of a table: its first row is a row.
    state = {"in_table": False, "bordered": False, "markdown": False, "first_row": False}
    done = 0  # the end of the last table line read

    def flush(closed_by_rule: bool, markdown_rule: bool = False) -> None:
        if row:
            heads = (state["first_row"] and closed_by_rule and (state["bordered"] or markdown_rule)
                     and _column_heads(text, row[0][0], row[-1][1]))
            if not heads:
                out.append((row[0][0], row[-1][1]))
            state["first_row"] = False
        row.clear()

    for start, end in spans:
        lo = text.rfind("\n", 0, start) + 1
        hi = len(text) if (nl := text.find("\n", end)) < 0 else nl
        lines = text[lo:hi].split("\n")
        if not all(_GRID_BORDER.fullmatch(line) or _GRID_LINE.fullmatch(line) for line in lines):
            flush(False)
            state["in_table"] = False
            out.append((start, end))
            continue
        at = lo
        for line in lines:
            line_start, at = at, at + len(line) + 1
            if line_start < done:
                continue  # read with the span before
            done = line_start + len(line)
            if _GRID_BORDER.fullmatch(line):
                flush(False)
                state.update(in_table=True, bordered=True, markdown=False, first_row=True)
            elif _GRID_RULE.fullmatch(line):
                if not state["in_table"]:
                    state.update(in_table=True, bordered=False, first_row=False)
                flush(True, markdown_rule="+" not in line)
                state["markdown"] = "+" not in line
            else:
                if not state["in_table"]:
                    state.update(in_table=True, bordered=False, markdown=False, first_row=True)
                elif state["markdown"]:
                    flush(False)
                lead = len(line) - len(line.lstrip())
                row.append((line_start + lead, line_start + len(line.rstrip())))
    flush(False)
    return out


_FENCE = re.compile(r"[ \t]{0,3}(`{3,})")  # backticks only: a line of "~~~~" also underlines a heading


def _fenced_code(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans with a fenced code block of Markdown ("```bash" … "```") as one unit, its fences included: a period
    in a comment ends nothing, and a command is quoted with the lines it belongs to."""
    if "```" not in text:
        return spans
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        opened = _FENCE.match(text, start)
        if opened is None:
            out.append((start, end))
            i += 1
            continue
        fence = opened.group(1)
        j = i
        while not _closes(text[spans[j][0]:spans[j][1]], fence, first=j == i) and j + 1 < len(spans):
            j += 1
        out.extend(_code_pieces(text, start, spans[j][1]))
        i = j + 1
    return out


CODE_LINES = 8  # a fenced code block of more lines than this is read in pieces, not quoted whole
# A line that only opens a comment ("#", "//", "--", ";") separates a code block's pieces as a blank line does.
_EMPTY_COMMENT = re.compile(r"\s*(#+|//+|--|;+)?\s*")


def _code_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A fenced code block as one unit, or, when it has more than CODE_LINES lines, as its pieces without the fences:
    runs of lines between blank lines (or empty comment lines), each at most CODE_LINES lines. A 25-line rebase
    todo list quoted whole answers "Which command squashes commits?" with a page of text; its piece holding
    "# s, squash = use commit, but meld into previous commit" answers it."""
    lines = _line_spans(text, start, end)
    closed = len(lines) > 1 and _FENCE.match(text, lines[-1][0]) is not None
    body = lines[1:-1] if closed else lines[1:]
    if len(body) <= CODE_LINES:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for lo, hi in body:
        separator = _EMPTY_COMMENT.fullmatch(text[lo:hi]) is not None
        if run and (separator or len(run) == CODE_LINES):
            pieces.append(_trimmed(text, run[0][0], run[-1][1]))
            run = []
        if not separator:
            run.append((lo, hi))
    if run:
        pieces.append(_trimmed(text, run[0][0], run[-1][1]))
    return pieces


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())


def _closes(piece: str, fence: str, *, first: bool) -> bool:
    """Whether the piece ends with a line that closes the fence: backticks only, at least as many."""
    lines = piece.split("\n")
    if first and len(lines) == 1:
        return False  # the opening fence alone
    last = lines[-1].strip()
    return len(last) >= len(fence) and not last.strip("`")


def _column_heads(text: str, start: int, end: int) -> bool:
    lines = text[start:end].split("\n")
    cells = [" ".join(cell.split()) for line in lines for cell in line.strip().strip("|").split("|")]
    return all(len(cell.split()) <= HEADER_CELL_WORDS and not cell.endswith((".", "!", "?")) for cell in cells)


def _split(text: str, start: int, end: int, boundary: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    for match in boundary.finditer(text, start, end):
        separator = match.group(0)
        if not separator.startswith("\n") and not _ends_sentence(text, pos, match):
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
    token = word.group(1).rstrip(".").lstrip("(\"'„“»[").lower()
    if token in _ABBREVIATIONS or re.fullmatch(r"\d{1,2}|[a-z]|(\d+\.)+\d*", token):
        return False  # abbreviation, initial, a section number ("1.2.") or a German ordinal date ("30. September")
    following = text[match.end() : match.end() + 1]
    return not following.islower()


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if not stripped:
        return
    lead = len(segment) - len(segment.lstrip())
    spans.append((start + lead, start + lead + len(stripped)))


def chunk_text(doc_id: str, text: str, outline: Outline, size: int, overlap: int) -> list[Chunk]:
    """Pack whole sentences into chunks of about `size` characters, repeating up to `overlap` characters of
    trailing sentences at the start of the next chunk. A chunk never crosses into the next section, so it has one
    heading path; a sentence longer than `size` is its own chunk; a section with nothing but its heading gets none."""
    heads = {(h.start, h.end) for h in outline.headings}
    bounds = sorted({0, *outline.section_starts(), len(text)})
    chunks: list[Chunk] = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        sentences = split_sentences(text, lo, hi, outline)
        if all(span in heads for span in sentences):
            continue
        for start, end in _pack(sentences, size, overlap):
            chunks.append(Chunk(doc_id=doc_id, index=len(chunks), start=start, end=end, text=text[start:end],
                                section=outline.path_at(text, start)))
    return chunks


def _pack(sentences: list[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    packed: list[tuple[int, int]] = []
    first = 0
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences) and sentences[last + 1][1] - sentences[first][0] <= size:
            last += 1
        start, end = sentences[first][0], sentences[last][1]
        packed.append((start, end))
        if last + 1 >= len(sentences):
            break
        following = last + 1
        # Step back over whole sentences that fit in the overlap, but always make progress.
        while following - 1 > first and end - sentences[following - 1][0] <= overlap:
            following -= 1
        first = following
    return packed


def embedding_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its heading path, then its text (which may open with its own heading), so a
    question that matches a heading finds the section's text."""
    if not chunk.section:
        return chunk.text
    path = chunk.section.split(PATH_SEPARATOR)
    if chunk.text.startswith(path[-1]):
        path = path[:-1]
    return f"{PATH_SEPARATOR.join(path)}\n{chunk.text}" if path else chunk.text
