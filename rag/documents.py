"""Loading source files into Documents: decode, strip front matter, extract visible text, normalise, hash."""

from __future__ import annotations

import hashlib
import html
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from rag.schema import Document
from rag.structure import Heading, Outline, detect_outline
from rag.text import detect_language

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
DOC_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


class DocumentError(ValueError):
    """A file or text that cannot become a document; the message says why, for a person."""


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_body(text: str) -> str:
    """NFC, Unix newlines, no trailing whitespace at the end: the form offsets point into."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.rstrip()


def doc_id_from_path(path: Path, root: Path | None = None) -> str:
    """A stable id from the file's path below its ingest root: 'sub/My File.md' -> 'sub--my-file'."""
    rel = path.relative_to(root) if root is not None and path.is_relative_to(root) else Path(path.name)
    parts = [re.sub(r"[^a-z0-9._-]+", "-", p.lower()).strip("-.") for p in rel.with_suffix("").parts]
    doc_id = "--".join(p for p in parts if p)[:128]
    return doc_id or "document"


def doc_id_for(name: str, content: bytes) -> str:
    """An id from a title or an uploaded file's name; when nothing usable is left of it ('???'), one from the
    content, so two such documents never replace each other."""
    path = Path(name.replace("/", "-").replace("\\", "-")[:120])
    slug = doc_id_from_path(path if path.suffix.lower() in SUPPORTED_SUFFIXES else Path(f"{path}.txt"))
    if slug == "document" and path.stem.strip().lower() != "document":
        return "doc-" + hashlib.sha256(content).hexdigest()[:12]
    return slug


def check_doc_id(doc_id: str) -> str:
    if not DOC_ID_PATTERN.match(doc_id):
        raise DocumentError(
            f"doc_id {doc_id!r} is not allowed: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return doc_id


def make_document(
    text: str,
    *,
    doc_id: str,
    title: str | None = None,
    source: str = "",
    metadata: dict[str, Any] | None = None,
    language: str | None = None,
    outline: Outline | None = None,
    pages: tuple[int, ...] = (),
) -> Document:
    """Build a Document from a body text; the one place bodies are normalised and hashed. Without an outline
    (the loaders of HTML and PDF make their own), the headings are detected in the body."""
    check_doc_id(doc_id)
    body = normalise_body(text)
    if not body.strip():
        raise DocumentError("the document is empty: it has no text to index.")
    if outline is None or body != text:
        outline = detect_outline(body)
    meta = dict(metadata or {})
    return Document(
        doc_id=doc_id,
        title=(title or _first_line(body) or doc_id)[:200],
        text=body,
        source=source,
        sha256=sha256_text(body),
        language=language or str(meta.get("language") or detect_language(body)),
        metadata=meta,
        outline=outline,
        pages=tuple(p for p in pages if p < len(body)),
    )


def load_bytes(data: bytes, filename: str, *, doc_id: str, source: str = "", show_progress: bool = False) -> Document:
    """Turn the bytes of a file named `filename` into a Document, or raise DocumentError. `show_progress`: a
    progress bar over a PDF's pages (laying out a book of 276 pages takes about 20 s)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            f"{filename}: unsupported file type {suffix or '(none)'!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}."
        )
    if not data.strip():
        raise DocumentError(f"{filename}: the file is empty.")
    outline: Outline | None = None
    pages: tuple[int, ...] = ()
    if suffix == ".pdf":
        body, pages, meta = _read_pdf(data, filename, show_progress)
    else:
        text = _decode(data, filename)
        meta, text = _split_front_matter(text, filename)
        body = text
        if suffix in (".html", ".htm"):
            body, outline = html_text(text)
            if "title" not in meta:
                meta["title"] = _html_title(text)
    title = meta.pop("title", None)
    meta_doc_id = meta.pop("doc_id", None)
    try:
        return make_document(
            body,
            doc_id=str(meta_doc_id or doc_id),
            title=str(title) if title else None,
            source=source or filename,
            metadata=meta,
            language=str(meta["language"]) if meta.get("language") else None,
            outline=outline,
            pages=pages,
        )
    except DocumentError as exc:
        raise DocumentError(f"{filename}: {exc}") from None


def load_file(path: Path, root: Path | None = None, show_progress: bool = False) -> Document:
    """Load one file from disk; its doc_id comes from its path below `root`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror}).") from None
    return load_bytes(data, str(path), doc_id=doc_id_from_path(path, root), source=str(path),
                      show_progress=show_progress)


def _decode(data: bytes, filename: str) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{filename}: looks like a binary file, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{filename}: is not valid UTF-8 (byte {exc.start}); save it as UTF-8 and try again."
        ) from None
    controls = sum(1 for ch in text[:8192] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:8192]) // 50):
        raise DocumentError(f"{filename}: looks like a binary file, not text.")
    return text


def _split_front_matter(text: str, filename: str) -> tuple[dict[str, Any], str]:
    """YAML front matter between '---' lines at the top holds metadata, never body text."""
    normalised = text.replace("\r\n", "\n")
    match = _FRONT_MATTER.match(normalised)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        raise DocumentError(f"{filename}: the front matter between '---' lines is not valid YAML.") from None
    if not isinstance(meta, dict):
        raise DocumentError(f"{filename}: the front matter must be a YAML mapping.")
    return {str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}, normalised[
        match.end() :
    ]


_DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "svg", "nav", "button", "form")
_DROPPED_CLASSES = frozenset(
    {
        "navheader",
        "navfooter",
        "toc",
        "sphinxsidebar",
        "related",
        "footer",
        "headerlink",
        "skip-link",
        "breadcrumb",
        "breadcrumbs",
        "sidebar",
    }
)
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
        "br",
    ]
)
_HEADING_LEVEL = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6, "dt": 7}


def html_text(html: str) -> tuple[str, Outline]:
    """The visible text of an HTML page, one block (paragraph, list item, heading, cell) per paragraph, inline
    elements flowing within their block; and its outline from h1-h6 and dt (sections) and th (labels)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_DROPPED_TAGS):
        tag.decompose()
    for tag in soup.find_all(class_=lambda c: c is not None and bool(_DROPPED_CLASSES & set(str(c).split()))):
        tag.decompose()
    for tag in soup.find_all(role="navigation"):
        tag.decompose()
    writer = _BlockWriter()
    writer.walk(soup)
    writer.flush()
    return writer.text(), Outline(tuple(writer.headings))


class _BlockWriter:
    """Collects text into blocks while walking an HTML tree; remembers where headings land in the final text."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.buffer: list[str] = []
        self.headings: list[Heading] = []
        self.offset = 0  # length of the text written so far

    def walk(self, node: Any, pre: bool = False) -> None:
        from bs4 import NavigableString, Tag
        from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

        for child in node.children:
            if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                continue  # markup, not text: an XHTML page's <?xml version="1.0" …?> is no sentence of it
            if isinstance(child, NavigableString):
                self.buffer.append(str(child) if pre else re.sub(r"\s+", " ", str(child)))
            elif isinstance(child, Tag):
                name = child.name.lower()
                if name in ("td", "th"):  # the cells of a row stay on one line, a tab apart
                    if "".join(self.buffer).strip():
                        self.buffer.append("\t")
                    self.walk(child, pre)
                    continue
                if name not in _BLOCK_TAGS:
                    self.walk(child, pre)
                    continue
                self.flush(pre)
                self.walk(child, pre or name == "pre")
                if name in _HEADING_LEVEL:
                    self.flush(pre, _HEADING_LEVEL[name], "option" if name == "dt" else "heading")
                elif name == "tr" and child.find("th") is not None and child.find("td") is None:
                    self.flush(pre, 9, "label")  # a header row names the columns: context, never evidence
                else:
                    self.flush(pre or name == "pre")

    def flush(self, pre: bool = False, level: int = 0, kind: str = "heading") -> None:
        raw = "".join(self.buffer)
        self.buffer = []
        text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
        text = (
            "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
            if pre
            else re.sub(r" *\t *", "\t", re.sub(r"[ \u00a0]+", " ", text)).strip()
        )
        if not text.strip():
            return
        if self.blocks:
            self.offset += 2  # the blank line between blocks
        if level:
            self.headings.append(Heading(self.offset, self.offset + len(text), level, kind))  # type: ignore[arg-type]
        self.blocks.append(text)
        self.offset += len(text)

    def text(self) -> str:
        return "\n\n".join(self.blocks)


def _html_title(page: str) -> str | None:
    match = re.search(r"<title[^>]*>(.*?)</title>", page, re.IGNORECASE | re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(match.group(1))).strip() or None if match else None


def _read_pdf(data: bytes, filename: str, show_progress: bool = False) -> tuple[str, tuple[int, ...], dict[str, Any]]:
    """The text of every page, pages separated by a blank line, and where each page starts in it; without the
    running headers and footers ("Debian-Referenz", "181 / 248"); the title from the PDF's metadata, if it has one.

    pdfminer.six lays out each page: it puts the spaces between words where the glyphs' positions leave a gap (pypdf
    glued the words of LaTeX-made, justified pages together: "HierwerdenWerkzeugeundTipps…") and a blank line
    between the page's text boxes (paragraphs, headings), which rag.structure reads as block boundaries."""
    from pdfminer.converter import TextConverter
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSException
    from pdfminer.utils import decode_text
    from tqdm import tqdm

    try:  # parsed once: its metadata and its pages come from the same document
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        info = document.info[0] if document.info else {}
        title = resolve1(info.get("Title")) if isinstance(info, dict) else None  # may be an indirect object
        count = resolve1(resolve1(document.catalog.get("Pages"), {}).get("Count")) if show_progress else None
        resources = PDFResourceManager()
        with io.StringIO() as out:
            converter = TextConverter(resources, out, laparams=LAParams(boxes_flow=BOXES_FLOW))
            interpreter = PDFPageInterpreter(resources, converter)
            with tqdm(total=count if isinstance(count, int) else None, unit="page", desc=Path(filename).name,
                      disable=not show_progress, leave=False) as progress:
                for page in PDFPage.create_pages(document):
                    interpreter.process_page(page)
                    progress.update(1)
            pages = out.getvalue().split("\f")
    except (PSException, ValueError, KeyError, TypeError, AssertionError, IndexError, AttributeError) as exc:
        raise DocumentError(f"{filename}: is not a readable PDF ({type(exc).__name__}: {exc}).") from None
    if pages and not pages[-1].strip():
        pages.pop()  # the form feed after the last page
    texts = [_joined_hyphenation(normalise_body(page)).strip("\n") for page in _without_running_lines(pages)]
    meta: dict[str, Any] = {}
    if isinstance(title, bytes):
        title = decode_text(title)
    if isinstance(title, str) and title.strip():
        meta["title"] = title.strip()
    starts, parts, offset = [], [], 0
    for text in texts:
        starts.append(offset)  # an empty page starts where the next one does
        if text.strip():
            parts.append(text)
            offset += len(text) + 2
    return "\n\n".join(parts), tuple(starts), meta


# A word hyphenated at the end of a laid-out line ("wie-" / "derholen darf"): lower-case letters on both sides.
_HYPHENATED = re.compile(r"([^\W\d_A-ZÄÖÜ]{2,})-\n([^\W\d_A-ZÄÖÜ]+)([.,;:!?)\"”’]*)[ \t]?")


def _joined_hyphenation(text: str) -> str:
    """The page with its words hyphenated at line ends joined again, the word kept on the line it begins:
    "nicht wie-" / "derholen darf" reads "nicht wiederholen" / "darf". A compound's own hyphen comes before a
    capital ("Debian-" / "Entwickler") and stays."""
    return _HYPHENATED.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}\n", text)


# pdfminer.six orders a page's text boxes by grouping the closest pairs first and breaks ties by the boxes' memory
# addresses, so the same PDF read twice could give two bodies (a table's cells swapped: re-ingesting it replaced the
# document). Without that grouping the boxes are read top to bottom, left to right, the same every time.
BOXES_FLOW = None
RUNNING_LINES = 3  # the first and last this many lines of a page may be its running header or footer
RUNNING_SHARE = 0.5  # a line is running when it (digits aside) opens or closes at least this share of the pages
RUNNING_NEAR = 2  # … or a page this close to its own


def _without_running_lines(pages: list[str]) -> list[str]:
    """The pages without their running headers and footers: lines among a page's first or last RUNNING_LINES that,
    with their page numbers left out ("181 / 248"), open or close at least RUNNING_SHARE of the pages (three at
    least), or open or close one of the RUNNING_NEAR pages before or after it too, word for word (a book's chapter
    title heads every other page of its chapter: "Kapitel 6. Optimale Vorgehensweise beim Paketieren"); such a line
    without letters (a page number) wherever it stands."""
    def key(line: str) -> str:  # a page number may vary ("181 / 248", "Seite 3 von 9"); a line of data does not run
        collapsed = " ".join(line.split())
        return re.sub(r"\d+", "#", collapsed) if len(re.findall(r"\d+", collapsed)) <= 2 else collapsed

    split = [page.split("\n") for page in pages]
    edges: list[list[int]] = []
    keys: list[set[str]] = []
    counts: dict[str, int] = {}
    for lines in split:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edge = sorted(set(filled[:RUNNING_LINES] + filled[-RUNNING_LINES:]))
        edges.append(edge)
        keys.append({" ".join(lines[i].split()) for i in edge})  # near pages repeat a title exactly
        for k in {key(lines[i]) for i in edge}:
            counts[k] = counts.get(k, 0) + 1
    everywhere = {k for k, n in counts.items() if n >= max(3, RUNNING_SHARE * len(pages))}
    out = []
    for p, (lines, edge) in enumerate(zip(split, edges, strict=True)):
        near = set().union(*(keys[q] for q in range(max(0, p - RUNNING_NEAR), min(len(pages), p + RUNNING_NEAR + 1))
                             if q != p))
        # a page number ("26 / 248") is running wherever the page's layout put it; a line with words only at the edges
        drop = {i for i, line in enumerate(lines)
                if (key(line) in everywhere and (i in edge or not re.search(r"[^\W\d_]", line)))
                or (i in edge and " ".join(line.split()) in near)}
        out.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
    return out


def _first_line(body: str) -> str:
    for line in body.splitlines():
        line = line.strip(" #-*\t")
        if line:
            return line
    return ""
