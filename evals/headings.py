"""The heading probe: does a question worded like a section's heading get its answer from that section, on
documents no eval set was written for? `python -m evals.headings [--split dev|test]`

The documents are the chapters of the German Debian Reference (Debian package `debian-reference-de`, HTML) that the
debian-reference set does not use; all of them are indexed together, so every question has every other chapter
as a distractor. Each numbered section heading is asked twice: in German (the heading itself, e.g. "Verwenden von
vim") and in English (the English edition's heading of the same number, `debian-reference-en`: "Using vim"). An
item counts as a hit when the answer's first citation lies inside that section of the German chapter (its
subsections included). The questions and their gold come from the documents alone, no item is written by hand, so
the probe measures how Quelle generalises; the chapters are split once into dev (1, 2, 6, 7: tune here) and test
(8-12: report). Needs the two Debian packages (`apt-get install debian-reference-de debian-reference-en`)."""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from rag.config import Settings, load_settings
from rag.documents import load_file
from rag.service import Quelle

FOLDER = Path("/usr/share/debian-reference")
CHAPTERS = {"dev": ("01", "02", "06", "07"), "test": ("08", "09", "10", "11", "12")}
_NUMBERED = re.compile(r"^\s*(\d+(?:\.\d+)+)\.?\s+(.*)$", re.S)


@dataclass(frozen=True)
class Item:
    lang: str
    number: str
    question: str
    doc_id: str
    start: int  # the German section: from its heading to the next heading of the same or a higher level
    end: int


def numbered_sections(path: Path) -> dict[str, tuple[str, int, int]]:
    """Section number -> (heading text without its number, start, end) of one chapter."""
    doc = load_file(path, path.parent)
    headings = [h for h in doc.outline.headings if h.kind == "heading"]
    found: dict[str, tuple[str, int, int]] = {}
    for i, h in enumerate(headings):
        match = _NUMBERED.match(" ".join(doc.text[h.start:h.end].split()))
        if match:
            end = next((g.start for g in headings[i + 1:] if g.level <= h.level), len(doc.text))
            found[match.group(1)] = (match.group(2), h.start, end)
    return found


def items(split: str, folder: Path = FOLDER) -> list[Item]:
    out: list[Item] = []
    for chapter in CHAPTERS[split]:
        german = folder / f"ch{chapter}.de.html"
        english = numbered_sections(folder / f"ch{chapter}.en.html")
        doc_id = load_file(german, german.parent).doc_id
        for number, (heading, start, end) in numbered_sections(german).items():
            out.append(Item("de", number, heading, doc_id, start, end))
            if number in english:
                out.append(Item("en", number, english[number][0], doc_id, start, end))
    return out


def run(split: str, settings: Settings | None = None, show_progress: bool = True) -> dict[str, dict[str, float]]:
    """Index every chapter the debian-reference set does not use, ask the split's items, count the hits."""
    chapters = [FOLDER / f"ch{c}.de.html" for c in (*CHAPTERS["dev"], *CHAPTERS["test"])]
    missing = [str(p) for p in chapters if not p.exists()]
    if missing:
        raise SystemExit(f"missing {missing[0]} …: apt-get install debian-reference-de debian-reference-en")
    with tempfile.TemporaryDirectory(prefix="quelle-headings-") as tmp:
        base = (settings or load_settings(llm={"provider": "none"})).model_dump()
        base["data_dir"] = Path(tmp)
        base["store"]["chroma_host"] = None
        quelle = Quelle(Settings.model_validate(base))
        quelle.ingest(chapters, show_progress=show_progress)
        # a chapter's doc id is its file name below its own folder, as load_file gives it
        results: dict[str, list[tuple[bool, bool]]] = {"de": [], "en": []}
        started = time.perf_counter()
        for item in tqdm(items(split), desc=f"headings ({split})", unit="q", disable=not show_progress):
            answer = quelle.ask(item.question)
            first = answer.citations[0] if answer.citations else None
            hit = bool(first and answer.mode != "refused" and first.doc_id == item.doc_id
                       and item.start <= first.start < item.end)
            results[item.lang].append((hit, answer.mode == "refused"))
        seconds = time.perf_counter() - started
    figures = {lang: {"items": len(r), "first_citation_in_section": round(sum(h for h, _ in r) / len(r), 3),
                      "refused": round(sum(f for _, f in r) / len(r), 3)} for lang, r in results.items() if r}
    figures["all"] = {"items": sum(len(r) for r in results.values()), "seconds": round(seconds, 1)}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.headings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=sorted(CHAPTERS), default="test")
    args = parser.parse_args(argv)
    figures = run(args.split)
    print("| split | lang | items | first citation in the section | refused |\n| --- | --- | --- | --- | --- |")
    for lang in ("de", "en"):
        row = figures.get(lang)
        if row:
            print(f"| {args.split} | {lang} | {row['items']} | {row['first_citation_in_section']:.3f} | "
                  f"{row['refused']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
