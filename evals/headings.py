"""The heading probe: does a question worded like a section's heading get its answer from that section, on
documents no eval set was written for? `python -m evals.headings [--split dev|test]`

The documents are the chapters of the German Debian Reference (Debian package `debian-reference-de`, HTML) that the
debian-reference set does not use; all of them are indexed together, so every question has every other chapter
as a distractor. Each numbered section heading is asked twice: in German (the heading itself, e.g. "Verwenden von
vim") and in English (the English edition's heading of the same number, `debian-reference-en`: "Using vim"). An
item counts as a hit when the answer's first citation lies inside that section of the German chapter (its
subsections included). The questions and their gold come from the documents alone, no item is written by hand, so
the probe measures how Quelle generalises; the chapters are split once into dev (2, 6, 7: tune here) and test
(8-12: report). Chapter 1 is left out in every form: it is kept aside for a hidden test (evals/corpora/
debian-reference/README.md), and chapters 3-5 are the debian-reference set's corpus.

Two editions of the same German text: `--edition html` (the chapters' HTML files) and `--edition txt` (the package's
plain-text edition, `debian-reference.de.txt.gz`, cut into its chapters: hard-wrapped lines, ASCII tables and
no-break spaces in the indentation). Needs the two Debian packages (`apt-get install debian-reference-de
debian-reference-en`)."""

from __future__ import annotations

import argparse
import gzip
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from evals.quality import eval_settings
from rag.config import Settings, load_settings
from rag.documents import load_file
from rag.service import Quelle

FOLDER = Path("/usr/share/debian-reference")
CHAPTERS = {"dev": ("02", "06", "07"), "test": ("08", "09", "10", "11", "12")}
EDITIONS = ("html", "txt")
_CHAPTER_START = re.compile(r"(?m)^(?:Kapitel|Anhang) ([0-9A-Z]+)\. ")
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


def text_chapters(source: Path, target: Path) -> dict[str, Path]:
    """The plain-text edition cut into one file per chapter (ch02.de.txt …), from its "Kapitel N." line to the
    next chapter or appendix: chapter number -> file."""
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        text = handle.read()
    starts = list(_CHAPTER_START.finditer(text))
    target.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for here, after in zip(starts, [*starts[1:], None], strict=True):
        number = here.group(1)
        if number.isdigit() and f"{int(number):02d}" in (*CHAPTERS["dev"], *CHAPTERS["test"]):
            path = target / f"ch{int(number):02d}.de.txt"
            path.write_text(text[here.start():after.start() if after else len(text)], encoding="utf-8")
            files[f"{int(number):02d}"] = path
    return files


def german_chapters(edition: str, work: Path, folder: Path = FOLDER) -> dict[str, Path]:
    """Chapter number -> the German chapter file of an edition (the txt edition's are cut into `work`)."""
    if edition == "txt":
        return text_chapters(folder / "debian-reference.de.txt.gz", work / "txt")
    return {c: folder / f"ch{c}.de.html" for c in (*CHAPTERS["dev"], *CHAPTERS["test"])}


def items(split: str, folder: Path = FOLDER, chapters: dict[str, Path] | None = None) -> list[Item]:
    out: list[Item] = []
    for chapter in CHAPTERS[split]:
        german = chapters[chapter] if chapters else folder / f"ch{chapter}.de.html"
        english = numbered_sections(folder / f"ch{chapter}.en.html")
        doc_id = load_file(german, german.parent).doc_id
        for number, (heading, start, end) in numbered_sections(german).items():
            out.append(Item("de", number, heading, doc_id, start, end))
            if number in english:
                out.append(Item("en", number, english[number][0], doc_id, start, end))
    return out


def run(split: str, settings: Settings | None = None, show_progress: bool = True,
        edition: str = "html") -> dict[str, dict[str, float]]:
    """Index every chapter the debian-reference set does not use (but chapter 1), ask the split's items, count the
    hits."""
    needed = [FOLDER / "debian-reference.de.txt.gz"] if edition == "txt" else []
    needed += [FOLDER / f"ch{c}.{lang}.html" for c in (*CHAPTERS["dev"], *CHAPTERS["test"]) for lang in ("de", "en")]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        raise SystemExit(f"missing {missing[0]} …: apt-get install debian-reference-de debian-reference-en")
    with tempfile.TemporaryDirectory(prefix="quelle-headings-") as tmp:
        chapters = german_chapters(edition, Path(tmp))
        quelle = Quelle(eval_settings(settings or load_settings(llm={"provider": "none"}), Path(tmp) / "data", None))
        quelle.ingest(sorted(chapters.values()), show_progress=show_progress)
        # a chapter's doc id is its file name below its own folder, as load_file gives it
        results: dict[str, list[tuple[bool, bool]]] = {"de": [], "en": []}
        started = time.perf_counter()
        asked = items(split, chapters=chapters)
        for item in tqdm(asked, desc=f"headings ({edition}, {split})", unit="q", disable=not show_progress):
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
    parser.add_argument("--edition", choices=(*EDITIONS, "both"), default="both")
    args = parser.parse_args(argv)
    print("| edition | split | lang | items | first citation in the section | refused |\n"
          "| --- | --- | --- | --- | --- | --- |")
    for edition in EDITIONS if args.edition == "both" else (args.edition,):
        figures = run(args.split, edition=edition)
        for lang in ("de", "en"):
            row = figures.get(lang)
            if row:
                print(f"| {edition} | {args.split} | {lang} | {row['items']} | "
                      f"{row['first_citation_in_section']:.3f} | {row['refused']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
