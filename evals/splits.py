"""Dev/test splits of the eval sets: drawn once per set with a fixed seed, kept in sets/splits.yaml, never redrawn."""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from evals.harness import read_yaml

SPLITS_FILE = Path(__file__).parent / "sets" / "splits.yaml"
SEED = 20261130
TEST_SHARE = 0.5


def draw(items: Sequence[dict[str, Any]], seed: int = SEED, test_share: float = TEST_SHARE) -> list[str]:
    """The ids of the test split: within each stratum (language x answerable) the items are ordered by a seeded hash
    of their id and the first `test_share` of them (rounded) are test; the rest are dev."""
    strata: dict[tuple[str, bool], list[str]] = {}
    for item in items:
        strata.setdefault((str(item.get("lang", "")), bool(item.get("answerable", True))), []).append(str(item["id"]))
    test: list[str] = []
    for ids in strata.values():
        ordered = sorted(ids, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
        test += ordered[: round(len(ordered) * test_share)]
    return sorted(test)


def recorded() -> dict[str, Any]:
    return read_yaml(SPLITS_FILE) if SPLITS_FILE.exists() else {}


def select(set_path: Path, items: list[dict[str, Any]], split: str | None) -> list[dict[str, Any]]:
    """The items of one split ('dev' or 'test'); all of them when `split` is None."""
    if split is None:
        return items
    entry = recorded().get(set_path.stem)
    if entry is None:
        raise KeyError(f"{set_path.stem} has no recorded split: run `python -m evals.splits {set_path}` once")
    test = set(entry["test"])
    return [i for i in items if (str(i["id"]) in test) == (split == "test")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record the dev/test split of eval sets that have none yet.")
    parser.add_argument("sets", nargs="+", type=Path)
    args = parser.parse_args(argv)
    splits = recorded()
    for path in args.sets:
        if path.stem in splits:
            print(f"{path.stem}: split already recorded (never redrawn)")
            continue
        items = read_yaml(path)
        test = draw(items)
        splits[path.stem] = {"seed": SEED, "items": len(items), "test": test}
        print(f"{path.stem}: {len(items)} items, {len(test)} test, {len(items) - len(test)} dev (seed {SEED})")
    SPLITS_FILE.write_text("# Written once per set by `python -m evals.splits`; tune on dev, report and gate on test.\n"
                           + yaml.safe_dump(splits, sort_keys=True, allow_unicode=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
