"""The answer-quality floors that `make test` holds per set and language on the test splits, and the one command
that re-measures them: `python -m evals.gate` (rewrites evals/gate.yaml; refuses to lower a floor unless told)."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from evals.harness import read_yaml

ROOT = Path(__file__).resolve().parent.parent
SETS = tuple(ROOT / "evals" / "sets" / f"{name}.yaml"
             for name in ("seed", "debian-reference", "manpages-de", "developers-reference"))
FLOORS_FILE = Path(__file__).with_name("gate.yaml")
SPLIT = "test"
LANGUAGES = ("de", "en")
STEP = 0.05
# Figure (from evals.quality.summary) -> whether the gate holds a lower ("min") or an upper ("max") bound.
BOUNDS = {
    "first_citation_in_gold": "min",
    "accuracy": "min",
    "refusal_recall": "min",
    "false_refusal": "max",
    "context_quoted": "max",  # a count of answers; its bound is the measured count itself
}


def floor_below(measured: float) -> float:
    """The multiple of STEP strictly below `measured` (0.673 -> 0.65, 1.0 -> 0.95), never below 0."""
    return max(round((math.ceil(measured / STEP - 1e-9) - 1) * STEP, 2), 0.0)


def ceil_above(measured: float) -> float:
    """The multiple of STEP strictly above `measured` (0.012 -> 0.05, 0.0 -> 0.05)."""
    return round((math.floor(measured / STEP + 1e-9) + 1) * STEP, 2)


def bound_for(figure: str, measured: float | int) -> float | int:
    if figure == "context_quoted":
        return int(measured)
    return floor_below(float(measured)) if BOUNDS[figure] == "min" else min(ceil_above(float(measured)), 1.0)


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """One torch thread on the compute thread (where every encode runs) for the block: the gate checks quality, not
    speed, and on two busy cores two threads slow single-query encodes about 30-fold."""
    import torch

    from rag import compute

    threads = compute.run(torch.get_num_threads)
    compute.run(torch.set_num_threads, 1)
    try:
        yield
    finally:
        compute.run(torch.set_num_threads, threads)


def measure(set_path: Path, embedder: Any = None) -> dict[str, dict[str, float | int | None]]:
    """The figures of one set's test split per language ('all', 'de', 'en'): provider none, default retriever."""
    from evals.quality import run
    from rag.config import load_settings

    settings = load_settings(llm={"provider": "none"})
    with one_torch_thread():
        _, figures = run(set_path, SPLIT, settings=settings, embedder=embedder, show_progress=False)
    return figures


def load_floors(path: Path = FLOORS_FILE) -> dict[str, Any]:
    return read_yaml(path) if path.exists() else {}


def violations(set_name: str, lang: str, figures: Mapping[str, Any], floors: Mapping[str, Any]) -> list[str]:
    """Each figure of one set and language that breaks its recorded bound, said for people."""
    entry = floors.get("sets", {}).get(set_name, {}).get(lang)
    if entry is None:
        return [f"{set_name}/{lang}: no floors recorded; run `python -m evals.gate`"]
    out = []
    for figure, bound in entry.items():
        value = figures.get(figure)
        kind = BOUNDS[figure]
        if value is None or (value < bound["min"] if kind == "min" else value > bound["max"]):
            out.append(f"{set_name}/{lang} {figure}: {value} breaks the {kind} {bound[kind]} "
                       f"(measured {bound['measured']} on {floors.get('measured_on')})")
    return out


def floors_from(measured: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """{set: {lang: {figure: {min|max, measured}}}} from measured figures."""
    return {
        name: {
            lang: {figure: {kind: bound_for(figure, by_lang[lang][figure]), "measured": by_lang[lang][figure]}
                   for figure, kind in BOUNDS.items() if by_lang[lang].get(figure) is not None}
            for lang in LANGUAGES if lang in by_lang
        }
        for name, by_lang in measured.items()
    }


def lowered(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Bounds the new floors would loosen: a lower min, a higher max."""
    out = []
    for name, by_lang in new.items():
        for lang, figures in by_lang.items():
            for figure, bound in figures.items():
                kind = BOUNDS[figure]
                before = old.get("sets", {}).get(name, {}).get(lang, {}).get(figure, {}).get(kind)
                if before is not None and (bound[kind] < before if kind == "min" else bound[kind] > before):
                    out.append(f"{name}/{lang} {figure}: {kind} {before} -> {bound[kind]}")
    return out


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    return done.stdout.strip() or "?"


def write_floors(new: Mapping[str, Any], path: Path = FLOORS_FILE) -> None:
    header = ("# Answer-quality floors held by tests/evals/test_quality_gate.py (make test), per set and language\n"
              "# on the test split, provider none. Written by `python -m evals.gate`: each min is the 0.05 step\n"
              "# below the measured value, each max the step above (context_quoted: the measured count). Raise\n"
              "# them as the system improves; never lower one without saying why in the commit.\n")
    data = {"measured_on": dt.date.today().isoformat(), "commit": _commit(), "split": SPLIT, "provider": "none",
            "sets": dict(new)}
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def set_path(name: str) -> Path:
    """An eval set given by name ("manpages-de") or by path ("evals/sets/manpages-de.yaml")."""
    path = Path(name)
    if path.exists():
        return path
    named = ROOT / "evals" / "sets" / f"{name}.yaml"
    if named.exists():
        return named
    raise argparse.ArgumentTypeError(f"no eval set {name!r}: give a name of evals/sets/ "
                                     f"({', '.join(p.stem for p in SETS)}) or a path to a set's YAML file")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="*", type=set_path, default=list(SETS),
                        help="eval sets, by name (manpages-de) or path; default: every gated set")
    parser.add_argument("--allow-lower", action="store_true", help="write floors even where they would go down")
    parser.add_argument("--dry-run", action="store_true", help="measure and print, write nothing")
    args = parser.parse_args(argv)
    from rag.config import load_settings
    from rag.embeddings import make_embedder

    embedder = make_embedder(load_settings().embed)
    figures = ["items", *BOUNDS]
    print("| set | lang | " + " | ".join(figures) + " |", flush=True)
    status = 0
    for path in args.sets:  # each set is written as soon as it is measured: a long run keeps what it has
        by_lang = measure(path, embedder)
        for lang, row in by_lang.items():
            print(f"| {path.stem} | {lang} | " + " | ".join(str(row.get(f)) for f in figures) + " |", flush=True)
        old = load_floors()
        new = floors_from({path.stem: by_lang})
        loosened = lowered(old, new)
        if loosened and not args.allow_lower:
            print("  not written, these bounds would loosen (fix the regression, or pass --allow-lower and say why "
                  "in the commit):\n  " + "\n  ".join(loosened), flush=True)
            status = 1
        elif not args.dry_run:
            write_floors({**old.get("sets", {}), **new})
    if not args.dry_run:
        print(f"\nfloors in {FLOORS_FILE.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
