"""Check evals/sets/manpages-de.yaml against the rendered man pages in this folder.

Run from the repo root:  .venv/bin/python evals/corpora/manpages-de/check.py
Exit status 0 when every check passes, 1 otherwise.

Checks, on whitespace-collapsed text (" ".join(text.split())):
  - every evidence quote occurs in its doc's body (as loaded by rag.documents.load_file);
  - every `section` string occurs in that body;
  - every must_contain group has a variant that is a case-insensitive substring of the item's
    evidence (a trailing "*" is a prefix marker and is dropped); where evals.metrics imports,
    also with the project's own matcher (evals.metrics.contains);
  - no must_not_contain value occurs in the evidence;
  - ids unique, start with the lang, unanswerable ids contain "unans"; unanswerable items carry no
    evidence, must_contain or section; questions unique; at most 5 items per page.
Prints counts per lang x answerable and the number of heading-question items.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SET = REPO / "evals" / "sets" / "manpages-de.yaml"
sys.path.insert(0, str(REPO))

from rag.documents import load_file  # noqa: E402

try:  # the project's answer matcher; needs numpy, so it may be missing outside the venv
    from evals.metrics import contains as project_contains  # noqa: E402
except Exception as exc:  # pragma: no cover - reported, not fatal
    project_contains = None
    print(f"note: evals.metrics not importable ({exc}); checking groups by substring only")


def collapse(text: str) -> str:
    return " ".join(text.split())


def main() -> int:
    bodies: dict[str, str] = {}
    for path in sorted(HERE.glob("*.txt")):
        doc = load_file(path)
        bodies[path.stem.lower()] = collapse(doc.text)
    items = yaml.safe_load(SET.read_text(encoding="utf-8"))
    errors: list[str] = []
    ids: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    per_doc: Counter[str] = Counter()
    counts: Counter[tuple[str, bool]] = Counter()
    heading_questions = 0

    for item in items:
        iid = item.get("id", "?")
        ids[iid] += 1
        questions[collapse(item.get("question", "")).casefold()] += 1
        lang = item.get("lang")
        answerable = bool(item.get("answerable", True))
        counts[(lang, answerable)] += 1
        tags = item.get("tags") or []
        heading_questions += "heading-question" in tags
        if lang not in ("de", "en") or not iid.startswith(f"{lang}-"):
            errors.append(f"{iid}: id must start with its lang ({lang})")
        if not item.get("question"):
            errors.append(f"{iid}: no question")
        doc = item.get("doc")
        if doc is not None:
            per_doc[doc] += 1
            if doc not in bodies:
                errors.append(f"{iid}: unknown doc {doc!r}")
        if not answerable:
            if "unans" not in iid:
                errors.append(f"{iid}: unanswerable id must contain 'unans'")
            if "unanswerable" not in tags:
                errors.append(f"{iid}: unanswerable item without the 'unanswerable' tag")
            for key in ("evidence", "must_contain", "section"):
                if item.get(key):
                    errors.append(f"{iid}: unanswerable item has {key}")
            continue
        if "unans" in iid:
            errors.append(f"{iid}: answerable id contains 'unans'")
        body = bodies.get(doc or "")
        if body is None:
            errors.append(f"{iid}: answerable item needs a known doc")
            continue
        evidence = [collapse(q) for q in item.get("evidence") or []]
        if not evidence:
            errors.append(f"{iid}: no evidence")
        for quote in evidence:
            if quote not in body:
                errors.append(f"{iid}: evidence not in {doc}: {quote[:80]!r}")
        section = item.get("section")
        if not section:
            errors.append(f"{iid}: no section")
        elif collapse(section) not in body:
            errors.append(f"{iid}: section not in {doc}: {section!r}")
        joined = " ".join(evidence)
        groups = item.get("must_contain") or []
        if not groups:
            errors.append(f"{iid}: no must_contain")
        for group in groups:
            if not any(v.rstrip("*").casefold() in joined.casefold() for v in group):
                errors.append(f"{iid}: must_contain group {group} not satisfied by its evidence")
            elif project_contains is not None and not any(project_contains(joined, v) for v in group):
                errors.append(f"{iid}: must_contain group {group} not satisfied (evals.metrics.contains)")
        for bad in item.get("must_not_contain") or []:
            if bad.casefold() in joined.casefold() or (project_contains and project_contains(joined, bad)):
                errors.append(f"{iid}: must_not_contain {bad!r} occurs in its own evidence")

    errors += [f"{i}: duplicate id" for i, n in ids.items() if n > 1]
    errors += [f"duplicate question: {q!r}" for q, n in questions.items() if n > 1]
    answerable_per_doc = Counter(i.get("doc") for i in items if i.get("answerable", True))
    errors += [f"{d}: {n} answerable items (max 5 per page)" for d, n in answerable_per_doc.items() if n > 5]

    print(f"documents: {len(bodies)}, {sum(len(b) for b in bodies.values())} collapsed characters")
    print(f"items: {len(items)}")
    for lang in ("de", "en"):
        print(f"  {lang}: answerable {counts[(lang, True)]:3d}   unanswerable {counts[(lang, False)]:3d}")
    print(f"  total: answerable {sum(n for (_, a), n in counts.items() if a)}"
          f"   unanswerable {sum(n for (_, a), n in counts.items() if not a)}")
    print(f"heading-question items: {heading_questions}")
    print("answerable per doc: " + ", ".join(f"{d} {n}" for d, n in sorted(answerable_per_doc.items())))
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  - " + e)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
