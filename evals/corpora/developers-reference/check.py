"""Check evals/sets/developers-reference.yaml against the documents in this folder.

Run from the repository root:  .venv/bin/python evals/corpora/developers-reference/check.py

Each document is loaded with the repo's own loader (rag.documents.load_file), its body's whitespace
is collapsed, and then:
  - every evidence quote (collapsed) must occur in its doc's collapsed body;
  - every section string must occur in that body (and the evidence must come after it);
  - every must_contain group must be satisfied by the item's evidence (case-insensitive substring of
    one variant, a trailing '*' dropped), and also by evals.metrics.contains when that imports;
  - no must_not_contain value may occur in the evidence;
  - ids are unique, start with their lang, and contain "unans" exactly when answerable is false;
  - unanswerable items carry no evidence, must_contain or section; at most 3 items per section.
For the HTML page the quotes are written as a browser shows the text. When such a quote is not in the
loader's body, the check looks for it in a browser-like rendering of the page (inline elements kept
inline) and reports it as MANGLED BY LOADER with the loader's version of the span; that is a finding
about the loader, not an error in the set. Exit status 1 when a real error is found.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SET = ROOT / "evals" / "sets" / "developers-reference.yaml"
sys.path.insert(0, str(ROOT))

from rag.documents import load_file  # noqa: E402

try:  # the matcher the eval runner uses; optional for this check
    from evals.metrics import contains as metrics_contains
except Exception as exc:  # noqa: BLE001
    metrics_contains = None
    print(f"note: evals.metrics.contains not importable ({exc.__class__.__name__}: {exc}); substring check only")

KINDS = {"definition", "procedure", "command", "path", "address", "number", "name", "reason", "rule",
         "unanswerable", "heading-question", "date"}


def collapse(text: str) -> str:
    return " ".join(text.split())


class _BrowserText(HTMLParser):
    """Roughly what a browser shows: block elements break lines, inline elements (code, a, em) do not."""

    BLOCK = {"p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
             "pre", "table", "tr", "td", "th", "br", "blockquote", "nav", "footer", "header", "hr", "aside"}
    SKIP = {"script", "style", "head", "noscript", "template", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip -= 1
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def browser_text(path: Path) -> str:
    parser = _BrowserText()
    parser.feed(path.read_text(encoding="utf-8"))
    return collapse("".join(parser.out))


def _squeeze(text: str) -> tuple[str, list[int]]:
    """Text without any whitespace, with a map back to positions in `text`."""
    chars, pos = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            chars.append(ch)
            pos.append(i)
    return "".join(chars), pos


def loader_version(quote: str, body: str) -> str | None:
    """The span of the collapsed body that equals `quote` up to whitespace, if any."""
    sq, _ = _squeeze(quote)
    sb, pos = _squeeze(body)
    i = sb.find(sq)
    if i < 0:
        return None
    return body[pos[i]: pos[i + len(sq) - 1] + 1]


def collapse_with_map(text: str) -> tuple[str, list[int]]:
    """collapse(text) and, for each of its characters, the offset in `text` it came from."""
    out, pos, pending = [], [], -1
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and pending < 0:
                pending = i
            continue
        if pending >= 0:
            out.append(" ")
            pos.append(pending)
            pending = -1
        out.append(ch)
        pos.append(i)
    return "".join(out), pos


_NUMBER_PREFIX = re.compile(r"^[0-9]+(?:\.[0-9]+)*\.?\s+")


def outline_section(doc, collapsed_pos: int, pos_map: list[int]) -> str | None:
    """The innermost heading (number prefix dropped) the loader's outline puts at this offset, if it has one."""
    outline = getattr(doc, "outline", None)
    if outline is None or not hasattr(outline, "stack_at"):
        return None
    stack = outline.stack_at(pos_map[collapsed_pos])
    if not stack:
        return ""
    h = stack[-1]
    return _NUMBER_PREFIX.sub("", collapse(doc.text[h.start:h.end]))


def group_ok_substring(evidence: str, group: list[str]) -> bool:
    ev = evidence.casefold()
    return any(v.rstrip("*").casefold() in ev for v in group)


def main() -> int:
    items = yaml.safe_load(SET.read_text(encoding="utf-8"))
    docs, bodies, maps, browser = {}, {}, {}, {}
    for path in sorted(HERE.iterdir()):
        if path.suffix not in (".txt", ".html"):
            continue
        doc = load_file(path)
        docs[doc.doc_id] = doc
        bodies[doc.doc_id], maps[doc.doc_id] = collapse_with_map(doc.text)
        if path.suffix == ".html":
            browser[doc.doc_id] = browser_text(path)
        print(f"doc {doc.doc_id:18} {path.name:24} {len(doc.text):6} chars  language={doc.language}  "
              f"title={doc.title!r}")

    errors: list[str] = []
    mangled: list[str] = []
    outline_mismatch: list[str] = []
    ids = Counter(item["id"] for item in items)
    errors += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    per_section: dict[tuple[str, str], list[str]] = defaultdict(list)
    counts = Counter()
    heading = Counter()
    evidence_checked = 0

    for item in items:
        iid, lang, ans = item["id"], item.get("lang"), item.get("answerable")
        where = f"{iid}:"
        counts[(lang, ans)] += 1
        tags = item.get("tags") or []
        if "heading-question" in tags:
            heading[lang] += 1
        if lang not in ("de", "en") or not iid.startswith(lang + "-"):
            errors.append(f"{where} id must start with its lang ({lang})")
        if ("unans" in iid) != (ans is False):
            errors.append(f"{where} 'unans' in id must match answerable: false")
        if not item.get("question", "").strip():
            errors.append(f"{where} no question")
        unknown = set(tags) - KINDS
        if unknown:
            print(f"note: {iid} has tags outside the listed kinds: {sorted(unknown)}")

        if ans is False:
            for key in ("evidence", "must_contain", "section"):
                if item.get(key):
                    errors.append(f"{where} unanswerable item has {key}")
            if "unanswerable" not in tags:
                errors.append(f"{where} unanswerable item lacks tag 'unanswerable'")
            continue

        doc_id = item.get("doc")
        if doc_id not in bodies:
            errors.append(f"{where} unknown doc {doc_id!r}")
            continue
        body = bodies[doc_id]
        section = item.get("section", "")
        per_section[(doc_id, section)].append(iid)
        sec_pos = body.find(collapse(section)) if section else -1
        if sec_pos < 0:
            errors.append(f"{where} section {section!r} not in {doc_id}")
        evidence = item.get("evidence") or []
        groups = item.get("must_contain") or []
        if not evidence or not groups:
            errors.append(f"{where} answerable item needs evidence and must_contain")
        for quote in evidence:
            evidence_checked += 1
            q = collapse(quote)
            if collapse(section) == q:
                errors.append(f"{where} evidence is the heading")
            pos = body.find(q)
            if pos >= 0:
                if sec_pos >= 0 and pos < sec_pos:
                    print(f"note: {iid} evidence occurs before its section heading in the body")
                found = outline_section(docs[doc_id], pos, maps[doc_id])
                if found is not None and found != collapse(section):
                    outline_mismatch.append(f"{iid}: set says {section!r}, loader outline says {found!r}")
                continue
            if doc_id in browser and q in browser[doc_id]:
                lv = loader_version(q, body)
                mangled.append(f"{iid}: browser shows {q!r}\n      loader body has {lv!r}")
                continue
            errors.append(f"{where} evidence not in {doc_id}: {q[:100]!r}")
        joined = " ".join(collapse(e) for e in evidence)
        for group in groups:
            if not group_ok_substring(joined, group):
                errors.append(f"{where} must_contain group {group} not satisfied by the evidence")
            elif metrics_contains is not None and not any(metrics_contains(joined, v) for v in group):
                print(f"note: {iid} group {group} passes as substring but not with evals.metrics.contains")
        for bad in item.get("must_not_contain") or []:
            if bad.casefold() in joined.casefold():
                errors.append(f"{where} must_not_contain {bad!r} occurs in the evidence")

    for (doc_id, section), members in per_section.items():
        if len(members) > 3:
            errors.append(f"more than 3 items in {doc_id} / {section!r}: {members}")

    print()
    print(f"items: {len(items)}   evidence quotes checked: {evidence_checked}")
    for ans in (True, False):
        label = "answerable  " if ans else "unanswerable"
        print(f"  {label}  de={counts[('de', ans)]:3}  en={counts[('en', ans)]:3}  "
              f"total={counts[('de', ans)] + counts[('en', ans)]}")
    print(f"  heading-question items: {sum(heading.values())} (de={heading['de']}, en={heading['en']})")
    by_doc: Counter = Counter()
    for (doc_id, _section), members in per_section.items():
        by_doc[doc_id] += len(members)
    print("  answerable per doc: " + ", ".join(f"{d}={n}" for d, n in sorted(by_doc.items())))
    print(f"  sections used: {len(per_section)}")
    if mangled:
        print(f"\nMANGLED BY LOADER ({len(mangled)} quotes: as a browser shows them, but not in the loader's body):")
        for m in mangled:
            print("  " + m)
    if outline_mismatch:
        print(f"\nSECTION DIFFERS FROM THE LOADER'S OUTLINE ({len(outline_mismatch)} quotes; innermost heading "
              "that rag.structure / the HTML outline puts at the evidence):")
        for m in outline_mismatch:
            print("  " + m)
    if errors:
        print(f"\nERRORS ({len(errors)}):")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK: no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
