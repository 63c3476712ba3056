"""Document structure from the body text: headings (Markdown, underlined, numbered, plain, man-page options),
the section (heading path) of any offset, and blocks, so that a wrapped line is not a sentence boundary."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

HeadingKind = Literal["heading", "option", "label", "end"]
PATH_SEPARATOR = " › "

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_UNDERLINE = re.compile(r"^[ \t]*([=\-~^\"'`*+#_.:])\1{2,}[ \t]*$")
_CHAPTER_WORDS = r"Kapitel|Chapter|Anhang|Appendix|Teil|Part"
_NUMBERED = re.compile(
    rf"^[ \t]{{0,4}}((?:{_CHAPTER_WORDS})\s+)?([0-9]{{1,2}}(?:\.[0-9]+)*|[A-Z](?:\.[0-9]+)+)\.?"
    r"[ \t]+[^\s\d]"  # "10.1.1 Archivierungs…", not "7 2021-10-04 23:55 secret" (ls output) or "18062 GNU cp"
)
_CAPS = re.compile(r"^[A-ZÄÖÜ][A-ZÄÖÜ \-/&]{2,40}$")  # "BESCHREIBUNG", "SIEHE AUCH"; "ISO9660" names a thing
# A man-page option line: "-a, --all", "--block-size=GRÖSSE", "-C VERZ, --directory=VERZ", optionally followed by
# two or more spaces and the description on the same line.
_OPTION_NAME = r"[-+]{1,2}[\w?#@][\w\-]*"
_OPTION_ARG = r"(?:=\S+|\[=?[^\]\s]+\]|[ ][.A-ZÄÖÜ<\[][\wÄÖÜäöüß<>\[\]=.\-|]*)"
_OPTION = re.compile(
    rf"^(?P<indent>[ \t]*)(?P<opt>{_OPTION_NAME}{_OPTION_ARG}?(?:(?:,[ \t]*|[ ]){_OPTION_NAME}{_OPTION_ARG}?)*)"
    r"(?P<rest>[ \t]{2,}\S.*)?$"
)
# A short option tag with its description one space after it, where man puts the description column
# ("--lzip filtert das Archiv mit lzip(1).").
_OPTION_TAG = re.compile(rf"^(?P<indent>[ \t]*)(?P<opt>{_OPTION_NAME}(?:=\S+|\[=\S+\])?)[ ](?P<rest>[^\s-]\S*.*)$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•·▪◦‣–]|\(?[0-9]{1,3}[.)]|\(?[a-z][.)])[ \t]+\S")
_TABLE = re.compile(r"^[ \t]*[|+]|[ \t]\|[ \t]|^[ \t]*[-+=]{3,}[ \t]*$")
_FINAL_PUNCTUATION = ".,;:!?"
_STRUCTURAL_LEVELS = 6  # headings deeper than this (plain lines under numbered ones) do not deepen the next ones
UNWRAPPED_LINE = 130  # a group of lines with one longer than this is not hard-wrapped: each line is a block
SHORT_LINE = 0.6  # in wrapped text, a line shorter than this share of the wrap width ends its block
PROSE_WIDTH = 60  # prose is hard-wrapped at this many columns or more (man pages 80, mail 72, Markdown 80-100)


@dataclass(frozen=True)
class Heading:
    """A heading's text in the body (markup such as '#' or an underline left out), its depth and kind."""

    start: int
    end: int
    level: int
    kind: HeadingKind = "heading"


@dataclass(frozen=True)
class Outline:
    """The headings of one body, in order, and the section path at any offset. `ends` are where a section ends
    before the next heading (zero-width, kind "end"): in a man page, the paragraph back at the option lines'
    indentation after the last option's description belongs to the enclosing section, not to that option."""

    headings: tuple[Heading, ...]
    ends: tuple[Heading, ...] = ()

    def path_at(self, text: str, offset: int) -> str:
        """The heading path ('A › B › C') of the section holding `offset`; '' before the first heading."""
        return PATH_SEPARATOR.join(" ".join(text[h.start:h.end].split()) for h in self.stack_at(offset))

    def stack_at(self, offset: int) -> list[Heading]:
        """The headings whose sections hold `offset`, outermost first (labels never open a section)."""
        stack: list[Heading] = []
        marks = sorted((*self.headings, *self.ends), key=lambda h: (h.start, h.kind != "end"))
        for h in marks:
            if h.start > offset:
                break
            if h.kind == "label":
                continue
            while stack and stack[-1].level >= h.level:
                stack.pop()
            if h.kind != "end":
                stack.append(h)
        return stack

    def section_starts(self) -> list[int]:
        """Offsets where a section begins (each heading but labels) or ends before the next heading."""
        return sorted({*(h.start for h in self.headings if h.kind != "label"), *(h.start for h in self.ends)})

    def to_json(self) -> list[list[int | str]]:
        return [[h.start, h.end, h.level, h.kind] for h in (*self.headings, *self.ends)]

    @classmethod
    def from_json(cls, data: Sequence[Sequence[int | str]]) -> Outline:
        marks = [Heading(int(s), int(e), int(lv), str(k)) for s, e, lv, k in data]  # type: ignore[arg-type]
        return cls(tuple(h for h in marks if h.kind != "end"), tuple(h for h in marks if h.kind == "end"))


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # without the newline
    text: str
    column: int = 0  # where the text starts on its line, when that line began before the text did
    cut: bool = False  # the line began before the text did: its indentation and length are not known

    @property
    def indent(self) -> int:
        """The visual width of the leading blanks (tabs to the next multiple of 8, as man and terminals do)."""
        return self.column + _indent_width(self.text)

    @property
    def lead(self) -> int:
        """How many characters of leading blanks the line has."""
        return len(self.text) - len(self.text.lstrip(_BLANKS))

    @property
    def blank(self) -> bool:
        return not self.text.strip()


_BLANKS = " \t\u00a0"


# What numbers a heading rather than names its topic: "2.4.2.", "Kapitel 2.", "A.1", "3)".
_HEADING_NUMBER = re.compile(
    r"^\s*(?:(?:kapitel|chapter|abschnitt|section|teil|part|anhang|appendix)\s+)?"
    r"(?:\d{1,3}(?:\.\d+)*[.)]?|[A-Z](?:\.\d+)+[.)]?|[A-Z][.)])\s+",
    re.IGNORECASE,
)


def heading_topic(heading: str) -> str:
    """A heading without its number: "2.4.2. Verifizierung von installierten Paketdateien" names the same topic as
    "Verifizierung von installierten Paketdateien", and a question never says "2.4.2"."""
    return _HEADING_NUMBER.sub("", heading, count=1) or heading


def _indent_width(text: str) -> int:
    width = 0
    for ch in text:
        if ch == "\t":
            width = (width // 8 + 1) * 8
        elif ch in " \u00a0":
            width += 1
        else:
            break
    return width


def _lines(text: str) -> list[_Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def detect_outline(text: str) -> Outline:
    """Headings found in a plain-text or Markdown body."""
    lines = _lines(text)
    found: list[Heading] = []
    ends: list[Heading] = []
    underline_levels: dict[str, int] = {}
    last_level = 0
    fence = False
    option: tuple[Heading, int] | None = None  # the last option heading and its line's indentation
    numbered = _numbered_document(text)
    for i, line in enumerate(lines):
        stripped = line.text.strip()
        prev_text = lines[i - 1].text.strip() if i > 0 else ""
        underline = bool(prev_text) and _UNDERLINE.match(line.text) is not None
        if stripped.startswith("```") or (stripped.startswith("~~~") and not underline):
            fence = not fence  # a code fence (a "~~~" line right under text is an underline instead)
            continue
        if fence or not stripped or (found and line.start < found[-1].end):
            continue  # (a line inside the heading above: a chapter's title under its number)
        prev = lines[i - 1] if i > 0 else None
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        heading = _heading(line, prev, nxt, lines, i, underline_levels, last_level, numbered)
        if heading is not None:
            found.append(heading)
            option = (heading, line.indent) if heading.kind == "option" else None
            if heading.kind == "heading" and heading.level <= _STRUCTURAL_LEVELS:
                last_level = heading.level
        elif option is not None and line.indent <= option[1] and prev is not None and prev.blank:
            # a paragraph back at the option lines' indentation: the option's description has ended
            ends.append(Heading(line.start + line.lead, line.start + line.lead, option[0].level, "end"))
            option = None
    return Outline(tuple(found), tuple(ends))


def _numbered_document(text: str) -> bool:
    """Whether the body's sections are numbered ("10.1 …", "2.4.2. …" at least NUMBERED_SECTIONS times): then a
    line in capitals ("NTFS", a table's cell) is no chapter, and "# …" is a root prompt or a comment, no heading."""
    return len(_SUBSECTION.findall(text)) >= NUMBERED_SECTIONS


NUMBERED_SECTIONS = 3
_SUBSECTION = re.compile(r"^[ \t]{0,4}[0-9]{1,2}(?:\.[0-9]+)+\.?[ \t]+[^\W\d_]", re.MULTILINE)


def _heading(line: _Line, prev: _Line | None, nxt: _Line | None, lines: list[_Line], i: int,
             underline_levels: dict[str, int], last_level: int, numbered_body: bool = False) -> Heading | None:
    text = line.text
    stripped = text.strip(_BLANKS)
    lead = line.start + line.lead
    if (md := _MD_HEADING.match(text)) is not None:
        if md.group(1) == "#" and (_root_command(md.group(2)) or (numbered_body and not _NUMBERED.match(md.group(2)))):
            return None  # "# cd ./source; rsync -aHAXSv . /dest": a root shell's prompt in text or a PDF
        return Heading(line.start + md.start(2), line.start + md.end(2), len(md.group(1)))
    if _UNDERLINE.match(text):
        return None
    if nxt is not None and _UNDERLINE.match(nxt.text) and len(nxt.text.strip()) >= 0.7 * len(stripped) \
            and len(stripped) <= 120 and not _COLUMN_GAP.search(stripped) and _after_blank(prev, lines, i):
        char = nxt.text.strip()[0]
        overlined = prev is not None and _UNDERLINE.match(prev.text) is not None
        key = f"{char}{'o' if overlined else ''}"
        level = underline_levels.setdefault(key, len(underline_levels) + 1)
        return Heading(lead, lead + len(stripped), level)
    after_blank = prev is None or prev.blank or _UNDERLINE.match(prev.text) is not None
    option = None if _continues_sentence(prev, line) else _OPTION.match(text)
    if option is not None and line.indent >= 1 and _option_line(option, nxt, line, _next_content(lines, i)):
        start = line.start + option.start("opt")
        return Heading(start, line.start + option.end("opt"), max(last_level, 1) + 1, "option")
    tag = None if _continues_sentence(prev, line) or (option is not None and option.group("rest")) \
        else _OPTION_TAG.match(text)
    if tag is not None and line.indent >= 1 and _tag_line(tag, nxt, line):
        return Heading(line.start + tag.start("opt"), line.start + tag.end("opt"), max(last_level, 1) + 1, "option")
    title = _next_content(lines, i)
    if _CHAPTER_ALONE.fullmatch(stripped) and after_blank and title is not None \
            and len(title.text.strip()) <= 80 and title.text.strip()[-1] not in _FINAL_PUNCTUATION:
        return Heading(lead, title.start + title.lead + len(title.text.strip(_BLANKS)), 1)  # "Kapitel 10" / its title
    numbered_alone = _NUMBERED.match(text) is not None and (nxt is None or nxt.blank)
    if not after_blank or len(stripped) > 90 or _TABLE.search(text) or (_LIST_ITEM.match(text) and not numbered_alone):
        return None
    if stripped[-1] in _FINAL_PUNCTUATION and not (stripped[-1] == ":" and len(stripped.split()) <= 3):
        return None  # a sentence, not a heading (a short label like "Rückgabewert:" still is one)
    if not (stripped[0].isalnum() or stripped[0] in "\"'„“"):
        return None
    follow = _next_content(lines, i)
    if follow is None or follow.indent < line.indent:
        return None
    if nxt is not None and not nxt.blank and nxt.indent <= line.indent and not _CAPS.match(stripped):
        return None  # the line runs on into more text at its own indentation: a paragraph, not a heading
    if (numbered := _NUMBERED.match(text)) is not None and _titled(numbered):
        number = numbered.group(2)
        depth = number.count(".") + 1
        return Heading(lead, lead + len(stripped), depth)
    if _CAPS.match(stripped) and line.indent == 0:
        level = last_level + 1 + _STRUCTURAL_LEVELS if numbered_body and last_level else 1  # a label, no chapter
        return Heading(lead, lead + len(stripped), level)
    words = stripped.split()
    numbered_item = _SMALL_NUMBER.match(stripped) is not None and (
        "." in words[0] or not re.search(r"\d", stripped[len(words[0]):]))  # "3.1.1. Stage 1", not "1 packets, 0 …"
    if len(words) > 10 or not (stripped[0].isupper() or numbered_item) or not _WORD.search(stripped):
        return None  # a line of data ("3144", "V:920, I:999", "18062 GNU cp": a PDF's table cells) is no heading
    if line.indent > 0 and follow.indent == line.indent and nxt is not None and nxt.blank:
        return None  # an indented one-line paragraph between blank lines (a command, a note), not a heading
    return Heading(lead, lead + len(stripped), last_level + 1 + _STRUCTURAL_LEVELS if last_level else 1)


def _titled(numbered: re.Match[str]) -> bool:
    """A numbered heading has a title: "12.3.1. C" (the language) does; "33 P", a table's row in a PDF, does not (a
    bare number needs a few words after it, one of three letters, and no number)."""
    rest = numbered.string[numbered.end(2):]
    if "." in numbered.group(0):
        return True
    return _WORD.search(rest) is not None and not re.search(r"\d", rest) and len(rest.split()) <= 8  # "1 packets
    # transmitted, 0 received, …" is ping's output


_CHAPTER_ALONE = re.compile(rf"(?i:{_CHAPTER_WORDS})\s+([0-9]{{1,2}}|[A-Z])")  # its title below
_SMALL_NUMBER = re.compile(r"\d{1,3}\b")  # an item's number ("1      bei kleineren Problemen"), not a quantity
_WORD = re.compile(r"[^\W\d_]{3}")  # three letters in a row
# A command line after a root prompt: a lower-case command, then shell syntax (an option, ";", "|", a redirection, a
# path) or arguments ("# apt-get update").
_ROOT_COMMAND = re.compile(r"(sudo\s+)?(\(|[a-z][\w.+-]*(\s|$))")
_SHELL_SYNTAX = re.compile(r"\s--?\w|[;|<>&`]|\$[({\w]|(^|\s)\.{0,2}/|\s\.(\s|$)")


def _root_command(text: str) -> bool:
    """Whether the text of a "# …" line is a command line: a lower-case command with shell syntax or arguments
    ("# cryptsetup close secret"); a heading is worded and capitalised ("# Installation"), or one name ("# quelle")."""
    if _ROOT_COMMAND.match(text) is None:
        return False
    return _SHELL_SYNTAX.search(text) is not None or len(text.split()) >= 2


_COLUMN_GAP = re.compile(r"\S[ \t\u00a0]{3,}\S")  # "Selection    Command": the column heads of a table


def _after_blank(prev: _Line | None, lines: list[_Line], i: int) -> bool:
    """An underlined heading stands after a blank line, an overline (itself after a blank line), or at the top: a
    ruled line under a command's output ("$ sudo update-alternatives …" / "Selection    Command" / "-----") is a
    table's head."""
    if prev is None or prev.blank:
        return True
    if _UNDERLINE.match(prev.text) is None:
        return False
    return i < 2 or lines[i - 2].blank


def _continues_sentence(prev: _Line | None, line: _Line) -> bool:
    """The line carries on the sentence of the line above it: same indentation, no blank line between, and the
    line above neither ends a sentence nor is an option line itself. Such a line is no option even when it starts
    with a hyphen: "… wie das System durch das systemd(1)" / "-Programm mit der PID=1 …" (a compound wrapped at
    its hyphen)."""
    if prev is None or prev.blank or prev.indent != line.indent:
        return False
    above = prev.text.rstrip()
    if above[-1] in ".:;!?":
        return False
    return _OPTION.match(prev.text) is None and _OPTION_TAG.match(prev.text) is None


def _tag_line(match: re.Match[str], nxt: _Line | None, line: _Line) -> bool:
    """A short tag's description starts at the description column: where its wrapped lines continue, or (a
    one-line description) well right of the tag's own indentation."""
    column = len(line.text[: match.start("rest")].expandtabs(8))
    if nxt is None or nxt.blank:
        return column >= line.indent + 4
    return nxt.indent == column


def _option_line(match: re.Match[str], nxt: _Line | None, line: _Line, follow: _Line | None) -> bool:
    """An option line has its description on the same line (after a gap, opening with no digit) or on
    deeper-indented lines below, right below it or after one blank line (sed(1): "-i[ENDUNG], --in-place[=ENDUNG]",
    a blank line, "Dateien an Ort und Stelle bearbeiten …")."""
    if match.group("rest"):
        # a row of a table whose first column lists options: "-execdir    4.2.12    BSD" (find's history)
        return not match.group("rest").strip()[0].isdigit()
    below = follow if nxt is not None and nxt.blank else nxt
    return below is not None and below.indent > line.indent


def _next_content(lines: list[_Line], i: int) -> _Line | None:
    for line in lines[i + 1 : i + 4]:
        if not line.blank:
            return line
    return None


def iter_blocks(text: str, outline: Outline, start: int = 0, end: int | None = None,
                continued: bool = False) -> Iterator[tuple[int, int]]:
    """Spans of the blocks in text[start:end]: paragraphs, list items, headings and option descriptions. A line
    break inside a hard-wrapped paragraph is no block boundary; a blank line, a list item, a heading, a change of
    indentation and (in wrapped text) a short line are. `continued`: the text was cut from a document where its
    first line began earlier (a chunk starts at a sentence, after the line's indentation), so that line is taken
    to start at the indentation of the line below it."""
    end = len(text) if end is None else end
    heads = {h.start: h for h in outline.headings if start <= h.start < end}
    group: list[_Line] = []
    pos = start
    raws = text[start:end].split("\n")
    for i, raw in enumerate(raws):
        line = _Line(pos, pos + len(raw), raw)
        if i == 0 and continued and len(raws) > 1 and raws[1].strip() and pos not in heads:
            line = _Line(pos, pos + len(raw), raw, max(0, _indent_width(raws[1]) - _indent_width(raw)), cut=True)
        pos += len(raw) + 1
        if line.blank:
            yield from _group_blocks(group, heads)
            group = []
        else:
            group.append(line)
    yield from _group_blocks(group, heads)


def _group_blocks(group: list[_Line], heads: dict[int, Heading]) -> Iterator[tuple[int, int]]:
    """Blocks of a run of non-blank lines."""
    if not group:
        return
    width = max(len(line.text.rstrip()) for line in group)
    wrapped = len(group) > 1 and width <= UNWRAPPED_LINE
    block: list[_Line] = []
    for line in group:
        head = _heading_on(line, heads)
        if head is not None:
            yield from _span(block)
            block = []
            yield head.start, head.end
            rest = line.text[head.end - line.start :]
            if rest.strip():  # an option line with its description after the gap: a hanging indent
                at = head.end + len(rest) - len(rest.lstrip(_BLANKS))
                column = len(line.text[: at - line.start].expandtabs(8))
                block = [_Line(at - column, line.end, " " * column + line.text[at - line.start :])]
            continue
        if block and _starts_block(block[-1], line, wrapped, width):
            yield from _span(block)
            block = []
        block.append(line)
    yield from _span(block)


def _heading_on(line: _Line, heads: dict[int, Heading]) -> Heading | None:
    for pos in range(line.start, line.start + line.lead + 1):
        if pos in heads:
            return heads[pos]
    return None


def _starts_block(prev: _Line, line: _Line, wrapped: bool, width: int) -> bool:
    if not wrapped or _LIST_ITEM.match(line.text) or _TABLE.search(line.text) or _TABLE.search(prev.text):
        return True
    if line.indent != prev.indent:
        # a change of indentation, except the hanging indent of a list item's continuation
        return not (line.indent > prev.indent and _LIST_ITEM.match(prev.text) is not None)
    kept = prev.text.rstrip()
    if prev.cut or len(kept) >= SHORT_LINE * width or kept.endswith(("-", ",")):
        return False
    # In prose wrapped at a usual width, a short line ends its paragraph only if the next line's first word would
    # have fit after it: a long word (a link "[in the full release plan](https://…)", a path) is wrapped to the
    # next line and leaves a short one. Narrower groups are lists of lines (a config file, a directory tree).
    return width < PROSE_WIDTH or len(kept) + 1 + len(_FIRST_WORD.match(line.text).group(1)) <= width  # type: ignore[union-attr]


# The first word of a line, as a wrapper sees it: a Markdown link "[text with spaces](url)" is not broken.
_FIRST_WORD = re.compile(r"\s*(\[[^\]\n]*\]\([^)\s]*\)\S*|\S+)")


def _span(block: list[_Line]) -> Iterator[tuple[int, int]]:
    if block:
        first, last = block[0], block[-1]
        yield first.start + first.lead, last.start + len(last.text.rstrip())
