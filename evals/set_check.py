"""An eval set checked against its corpus: quotes and sections stand in their documents, answer checks hold on the
item's own evidence, ids and unanswerable items are well formed.

Each corpus runs it from its own `evals/corpora/<set>/check.py` (exit status 1 when the set has an error), which
adds only what is that corpus's own. Text is compared with its whitespace collapsed. An HTML page's quotes are
written as a browser shows the page; one that the loader's body lacks (it broke a line inside an inline element,
say) is a finding about the loader, printed with what the loader made of it, not an error of the set."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from evals.harness import read_yaml
from evals.metrics import contains
from rag.documents import load_file
from rag.schema import Document

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = (".txt", ".html")  # the documents of a corpus folder (not its README or check.py)
LANGUAGES = ("de", "en")
LOADER_DIFFERS = "the loader's body differs from what a browser shows"


def collapse(text: str) -> str:
    return " ".join(text.split())


class _ShownText(HTMLParser):
    """Roughly what a browser shows: block elements break lines, inline elements (code, a, span) do not."""

    BLOCK = {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "nav", "ol", "p", "pre",
        "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }  # fmt: skip
    SKIP = {"head", "script", "style", "noscript", "template", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def shown_text(html: str) -> str:
    """What a browser shows of an HTML page, whitespace collapsed."""
    parser = _ShownText()
    parser.feed(html)
    return collapse("".join(parser.parts))


def loader_version(quote: str, body: str) -> str | None:
    """The span of `body` that equals `quote` once all whitespace is ignored (what the loader made of it)."""
    keep = [i for i, ch in enumerate(body) if not ch.isspace()]
    squeezed = "".join(body[i] for i in keep)
    target = "".join(quote.split())
    at = squeezed.find(target) if target else -1
    return None if at < 0 else body[keep[at] : keep[at + len(target) - 1] + 1]


@dataclass(frozen=True)
class Source:
    """One document of the corpus: the loader's document, its collapsed body, and for HTML what a browser shows."""

    doc: Document
    body: str
    shown: str | None

    @classmethod
    def load(cls, path: Path) -> Source:
        doc = load_file(path)
        shown = shown_text(path.read_text(encoding="utf-8")) if path.suffix == ".html" else None
        return cls(doc, collapse(doc.text), shown)


class SetCheck:
    """Checks one set against the documents of its corpus folder. A corpus adds its own checks in `check_item`
    (every item) and `check_answerable` (answerable items on a known document), and sets its limits."""

    max_per_section: int | None = 3  # answerable items asking about one section of one document
    max_per_doc: int | None = None  # answerable items about one document

    def __init__(self, folder: Path, set_path: Path | None = None) -> None:
        self.set_path = set_path or ROOT / "evals" / "sets" / f"{folder.name}.yaml"
        self.items: list[dict[str, Any]] = read_yaml(self.set_path)
        paths = sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES)
        self.sources = {source.doc.doc_id: source for source in map(Source.load, paths)}
        self.errors: list[str] = []
        self.findings: dict[str, list[str]] = defaultdict(list)  # title -> observations that fail nothing

    def run(self) -> int:
        """Check every item and the set as a whole, print what was found; 1 when there is an error."""
        for item in self.items:
            self._check(item)
        self._check_set()
        self._report()
        return 1 if self.errors else 0

    # -- hooks ------------------------------------------------------------------------------------------

    def check_item(self, item: dict[str, Any]) -> None:
        """More checks of any item (a corpus's own)."""

    def check_answerable(self, item: dict[str, Any], source: Source, section: str, quotes: list[str]) -> None:
        """More checks of an answerable item on a known document; `section` and `quotes` are collapsed."""

    # -- checks -----------------------------------------------------------------------------------------

    def error(self, item: dict[str, Any], message: str) -> None:
        self.errors.append(f"{item.get('id', '?')}: {message}")

    def _check(self, item: dict[str, Any]) -> None:
        iid, lang, tags = str(item.get("id", "?")), item.get("lang"), item.get("tags") or []
        answerable = item.get("answerable", True) is not False
        if lang not in LANGUAGES or not iid.startswith(f"{lang}-"):
            self.error(item, f"id must start with its lang ({lang})")
        if ("unans" in iid) == answerable:
            self.error(item, "'unans' in the id must match answerable: false")
        if not str(item.get("question", "")).strip():
            self.error(item, "no question")
        self.check_item(item)
        if not answerable:
            for key in ("evidence", "must_contain", "section"):
                if item.get(key):
                    self.error(item, f"unanswerable item has {key}")
            if "unanswerable" not in tags:
                self.error(item, "unanswerable item lacks the tag 'unanswerable'")
            return
        source = self.sources.get(item.get("doc", ""))
        if source is None:
            self.error(item, f"unknown doc {item.get('doc')!r}")
            return
        section = collapse(item.get("section") or "")
        if section:
            self._find(item, "section", section, source)
        else:
            self.error(item, "no section")
        quotes = [collapse(q) for q in item.get("evidence") or []]
        if not quotes:
            self.error(item, "no evidence")
        for quote in quotes:
            self._find(item, "evidence", quote, source)
        self._check_answer_checks(item, " ".join(quotes))
        self.check_answerable(item, source, section, quotes)

    def _find(self, item: dict[str, Any], what: str, text: str, source: Source) -> None:
        if text in source.body:
            return
        if source.shown is not None and text in source.shown:
            loaded = loader_version(text, source.body)
            self.findings[LOADER_DIFFERS].append(f"{item['id']}: {what} as shown: {text!r}\n"
                                                 f"      the loader's body: {loaded!r}")
        else:
            self.error(item, f"{what} not in {source.doc.doc_id}: {text[:100]!r}")

    def _check_answer_checks(self, item: dict[str, Any], evidence: str) -> None:
        """Each must_contain group is met by the item's own evidence (as a substring, a trailing '*' dropped, and by
        the runner's own matcher); no must_not_contain value is."""
        groups = item.get("must_contain") or []
        if not groups:
            self.error(item, "no must_contain")
        folded = evidence.casefold()
        for group in groups:
            if not any(v.rstrip("*").casefold() in folded for v in group):
                self.error(item, f"must_contain group {group} not met by its evidence")
            elif not any(contains(evidence, v) for v in group):
                self.error(item, f"must_contain group {group} met as a substring but not by evals.metrics.contains")
        for bad in item.get("must_not_contain") or []:
            if bad.casefold() in folded or contains(evidence, bad):
                self.error(item, f"must_not_contain {bad!r} occurs in its evidence")

    def _check_set(self) -> None:
        ids = Counter(str(item.get("id")) for item in self.items)
        self.errors += [f"{iid}: duplicate id" for iid, n in ids.items() if n > 1]
        questions = Counter(collapse(str(item.get("question", ""))).casefold() for item in self.items)
        self.errors += [f"duplicate question: {q!r}" for q, n in questions.items() if n > 1]
        for (doc, section), n in self._per_section().items():
            if self.max_per_section is not None and n > self.max_per_section:
                self.errors.append(f"{n} items on {doc} / {section!r} (at most {self.max_per_section})")
        for doc, n in self._per_doc().items():
            if self.max_per_doc is not None and n > self.max_per_doc:
                self.errors.append(f"{n} items on {doc} (at most {self.max_per_doc})")

    def _answerable(self) -> list[dict[str, Any]]:
        return [item for item in self.items if item.get("answerable", True) is not False]

    def _per_section(self) -> Counter[tuple[str, str]]:
        return Counter((str(i.get("doc")), collapse(i.get("section") or "")) for i in self._answerable())

    def _per_doc(self) -> Counter[str]:
        return Counter(str(i.get("doc")) for i in self._answerable())

    # -- report -----------------------------------------------------------------------------------------

    def _report(self) -> None:
        chars = sum(len(s.body) for s in self.sources.values())
        shown = self.set_path.relative_to(ROOT) if self.set_path.is_relative_to(ROOT) else self.set_path
        print(f"set: {shown}, {len(self.items)} items; "
              f"{len(self.sources)} documents, {chars} collapsed characters")
        counts = Counter((i.get("lang"), i.get("answerable", True) is not False) for i in self.items)
        print(f"\n{'lang':<6}{'answerable':>12}{'unanswerable':>14}{'total':>8}")
        for lang in (*LANGUAGES, None):
            a = sum(n for (lg, ok), n in counts.items() if ok and lang in (lg, None))
            u = sum(n for (lg, ok), n in counts.items() if not ok and lang in (lg, None))
            print(f"{lang or 'all':<6}{a:>12}{u:>14}{a + u:>8}")
        per_section = self._per_section()
        print("\nanswerable per doc: " + ", ".join(f"{d} {n}" for d, n in sorted(self._per_doc().items())))
        print(f"sections used: {len(per_section)}; most items on one section: {max(per_section.values(), default=0)}")
        tags = Counter(tag for item in self.items for tag in item.get("tags") or [])
        print("tags: " + ", ".join(f"{t} {n}" for t, n in tags.most_common()))
        for title, found in self.findings.items():
            print(f"\n{title} ({len(found)}):")
            print("\n".join(f"  {f}" for f in found))
        if self.errors:
            print(f"\nERRORS ({len(self.errors)}):")
            print("\n".join(f"  {e}" for e in self.errors))
        else:
            print("\nOK: no errors")
