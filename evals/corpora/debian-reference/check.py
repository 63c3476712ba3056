"""Check evals/sets/debian-reference.yaml against the documents in this folder.

Run from the repository root:  .venv/bin/python evals/corpora/debian-reference/check.py

For every answerable item it checks that
  * each evidence quote (whitespace collapsed) occurs in the text a reader sees: for .txt the
    file's body, for .html the text a browser shows (block elements break lines, inline elements
    such as <code>, <a>, <span> do not). This is a hard check.
  * each evidence quote also occurs in the body the repo's loader (rag.documents.load_file)
    produces, collapsed the same way. Where it does not, the loader's version of the span is
    printed: these are loader problems, reported, not failures of the set.
  * its `section` heading occurs in the loader body (and in the visible text);
  * every must_contain group has a variant that is a case-insensitive substring of the evidence
    (a trailing '*' prefix marker is dropped for this check); if evals.metrics imports, each group
    is also tried with its `contains` (whole words, numbers by value) and misses are warned about;
and for the whole set: ids unique, id prefix == lang, 'unans' in id iff unanswerable,
unanswerable items carry no evidence/must_contain/section, at most 3 items per section.
Exit status 1 if a hard check fails.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SET = REPO / "evals" / "sets" / "debian-reference.yaml"
sys.path.insert(0, str(REPO))

from rag.documents import load_file  # noqa: E402

try:  # the matcher the eval runner scores answers with; optional here
    from evals.metrics import contains as metric_contains
except Exception as exc:  # noqa: BLE001
    metric_contains = None
    print(f"(evals.metrics.contains not importable: {exc}; only the substring check runs)")

DOC_FILES = {"ch03-de": "ch03-de.txt", "ch04-de": "ch04-de.html", "ch05-de": "ch05-de.html"}


def collapse(text: str) -> str:
    return " ".join(text.split())


class _Visible(HTMLParser):
    """Browser-like visible text: blocks start new lines, inline elements join their neighbours."""

    BLOCK = {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
    SKIP = {"head", "script", "style", "noscript", "template", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:  # noqa: ANN001
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


def visible_text(path: Path, loader_body: str) -> str:
    if path.suffix.lower() not in (".html", ".htm"):
        return loader_body
    parser = _Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def loader_version(quote: str, body: str) -> str | None:
    """The span of `body` that equals `quote` once all whitespace is ignored (to show what the loader did)."""
    keep = [i for i, ch in enumerate(body) if not ch.isspace()]
    squeezed = "".join(body[i] for i in keep)
    target = "".join(quote.split())
    at = squeezed.find(target)
    if at < 0 or not target:
        return None
    return body[keep[at] : keep[at + len(target) - 1] + 1]


def main() -> int:
    items = yaml.safe_load(SET.read_text(encoding="utf-8"))
    docs = {}
    for doc_id, name in DOC_FILES.items():
        doc = load_file(HERE / name)
        body = collapse(doc.text)
        docs[doc_id] = {"loader": body, "visible": collapse(visible_text(HERE / name, doc.text)), "doc": doc}
        assert doc.doc_id == doc_id, (doc.doc_id, doc_id)

    errors: list[str] = []
    loader_problems: list[str] = []
    warnings: list[str] = []
    ids = Counter(item["id"] for item in items)
    for dup, n in ids.items():
        if n > 1:
            errors.append(f"duplicate id {dup} ({n}x)")
    per_section: Counter = Counter()
    table: dict = defaultdict(Counter)
    tag_count: Counter = Counter()
    per_doc: Counter = Counter()

    for item in items:
        iid, lang, ok = item["id"], item["lang"], item["answerable"]
        if not iid.startswith(lang + "-"):
            errors.append(f"{iid}: id does not start with lang {lang!r}")
        if ("unans" in iid) == bool(ok):
            errors.append(f"{iid}: 'unans' in id must match answerable: false")
        table[lang]["answerable" if ok else "unanswerable"] += 1
        for tag in item.get("tags", []):
            tag_count[tag] += 1
        if not ok:
            for key in ("evidence", "must_contain", "section"):
                if item.get(key):
                    errors.append(f"{iid}: unanswerable item has {key}")
            if "unanswerable" not in item.get("tags", []):
                errors.append(f"{iid}: unanswerable item lacks the tag")
            continue
        doc_id = item.get("doc")
        if doc_id not in docs:
            errors.append(f"{iid}: unknown doc {doc_id!r}")
            continue
        per_doc[doc_id] += 1
        loader, visible = docs[doc_id]["loader"], docs[doc_id]["visible"]
        section = collapse(item.get("section", ""))
        per_section[(doc_id, section)] += 1
        if not section:
            errors.append(f"{iid}: no section")
        else:
            if section not in visible:
                errors.append(f"{iid}: section {section!r} not in the visible text of {doc_id}")
            if section not in loader:
                loader_problems.append(f"{iid}: section {section!r} not in loader body; "
                                       f"loader has {loader_version(section, loader)!r}")
        quotes = [collapse(q) for q in item.get("evidence", [])]
        if not quotes:
            errors.append(f"{iid}: answerable item without evidence")
        for q in quotes:
            if q not in visible:
                errors.append(f"{iid}: evidence not in visible text of {doc_id}: {q!r}")
            elif q not in loader:
                loader_problems.append(
                    f"{iid} ({doc_id}):\n    shown : {q!r}\n    loader: {loader_version(q, loader)!r}"
                )
        joined = " ".join(quotes).lower()
        groups = item.get("must_contain") or []
        if not groups:
            errors.append(f"{iid}: answerable item without must_contain")
        for group in groups:
            if not any(v.rstrip("*").lower() in joined for v in group):
                errors.append(f"{iid}: must_contain group {group} not satisfied by its evidence")
            elif metric_contains is not None and not any(metric_contains(" ".join(quotes), v) for v in group):
                warnings.append(f"{iid}: group {group} passes as substring but not with evals.metrics.contains")
        for bad in item.get("must_not_contain", []) or []:
            if bad.lower() in joined or (metric_contains is not None and metric_contains(" ".join(quotes), bad)):
                errors.append(f"{iid}: must_not_contain {bad!r} occurs in its evidence")

    for (doc_id, section), n in per_section.items():
        if n > 3:
            errors.append(f"{n} items on section {doc_id} / {section!r} (max 3)")

    print(f"set: {SET.relative_to(REPO)}  items: {len(items)}")
    print()
    print(f"{'lang':<6}{'answerable':>12}{'unanswerable':>14}{'total':>8}")
    for lang in sorted(table):
        a, u = table[lang]["answerable"], table[lang]["unanswerable"]
        print(f"{lang:<6}{a:>12}{u:>14}{a + u:>8}")
    ta = sum(t["answerable"] for t in table.values())
    tu = sum(t["unanswerable"] for t in table.values())
    print(f"{'all':<6}{ta:>12}{tu:>14}{ta + tu:>8}")
    print()
    print("answerable per doc: " + ", ".join(f"{d} {n}" for d, n in sorted(per_doc.items())))
    print(f"sections covered: {len(per_section)}; max items on one section: {max(per_section.values(), default=0)}")
    print("tags: " + ", ".join(f"{t} {n}" for t, n in tag_count.most_common()))
    print()
    print(f"loader problems ({len(loader_problems)} evidence/section strings the loader body does not contain "
          "as shown):")
    for p in loader_problems:
        print("  " + p)
    print()
    if warnings:
        print(f"warnings ({len(warnings)}):")
        for w in warnings:
            print("  " + w)
        print()
    if errors:
        print(f"ERRORS ({len(errors)}):")
        for e in errors:
            print("  " + e)
        return 1
    print("OK: all hard checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
