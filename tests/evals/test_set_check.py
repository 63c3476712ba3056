"""Tests for evals/set_check.py: what makes an eval set wrong against its corpus, and what is only a finding."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.set_check import LOADER_DIFFERS, SetCheck, loader_version, shown_text

PAGE = """Paketverwaltung

Pakete installieren

Ein Paket wird mit apt install installiert. Danach steht es allen
Benutzern zur Verfügung.
"""

GOOD: dict[str, Any] = {
    "id": "de-apt-1", "lang": "de", "answerable": True, "question": "Wie installiert man ein Paket?",
    "doc": "apt", "section": "Pakete installieren", "evidence": ["Ein Paket wird mit apt install installiert."],
    "must_contain": [["apt install"]], "tags": ["command"],
}
UNANSWERABLE: dict[str, Any] = {
    "id": "en-apt-unans-1", "lang": "en", "answerable": False, "question": "Who wrote apt?", "tags": ["unanswerable"],
}


def check(tmp_path: Path, items: list[dict[str, Any]], **limits: int | None) -> SetCheck:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    (folder / "apt.txt").write_text(PAGE, encoding="utf-8")
    (folder / "README.md").write_text("not a document", encoding="utf-8")
    set_path = tmp_path / "set.yaml"
    set_path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    checker = SetCheck(folder, set_path)
    for name, value in limits.items():
        setattr(checker, name, value)
    return checker


def errors_of(tmp_path: Path, items: list[dict[str, Any]], **limits: int | None) -> list[str]:
    checker = check(tmp_path, items, **limits)
    for item in checker.items:
        checker._check(item)
    checker._check_set()
    return checker.errors


def test_a_good_set_passes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checker = check(tmp_path, [GOOD, UNANSWERABLE])
    assert list(checker.sources) == ["apt"]  # the README is no document
    assert checker.run() == 0
    out = capsys.readouterr().out
    assert "answerable per doc: apt 1" in out and "OK: no errors" in out


@pytest.mark.parametrize(("change", "error"), [
    ({"evidence": ["Ein Paket wird mit dpkg installiert."]}, "evidence not in apt"),
    ({"section": "Pakete entfernen"}, "section not in apt"),
    ({"must_contain": [["dpkg", "aptitude"]]}, "not met by its evidence"),
    ({"must_contain": [["instal"]]}, "not by evals.metrics.contains"),  # a substring, but no whole word
    ({"must_not_contain": ["apt install"]}, "must_not_contain 'apt install'"),
    ({"id": "en-apt-1"}, "id must start with its lang"),
    ({"id": "de-apt-unans-2"}, "'unans' in the id"),
    ({"doc": "yum"}, "unknown doc 'yum'"),
    ({"evidence": []}, "no evidence"),
])
def test_what_makes_an_answerable_item_wrong(tmp_path: Path, change: dict[str, Any], error: str) -> None:
    errors = errors_of(tmp_path, [{**GOOD, **change}])
    assert errors and error in errors[0], errors  # the first error names what is wrong


def test_what_makes_an_unanswerable_item_wrong(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, [{**UNANSWERABLE, "evidence": ["x"], "tags": []}])
    assert errors == ["en-apt-unans-1: unanswerable item has evidence",
                      "en-apt-unans-1: unanswerable item lacks the tag 'unanswerable'"]


def test_set_wide_rules(tmp_path: Path) -> None:
    second = {**GOOD, "id": "de-apt-2", "question": "Womit installiert man Pakete?"}
    assert errors_of(tmp_path, [GOOD, second], max_per_section=2) == []
    assert errors_of(tmp_path, [GOOD, second], max_per_section=1) == [
        "2 items on apt / 'Pakete installieren' (at most 1)"]
    assert errors_of(tmp_path, [GOOD, second], max_per_section=None, max_per_doc=1) == ["2 items on apt (at most 1)"]
    assert errors_of(tmp_path, [GOOD, {**second, "id": GOOD["id"]}]) == ["de-apt-1: duplicate id"]
    assert errors_of(tmp_path, [GOOD, {**second, "question": GOOD["question"].upper()}]) == [
        f"duplicate question: {GOOD['question'].casefold()!r}"]


def test_a_quote_only_a_browser_shows_is_a_finding_about_the_loader(tmp_path: Path) -> None:
    checker = check(tmp_path, [])
    source = checker.sources["apt"]
    checker.sources["apt"] = replace(source, body=source.body.replace("apt install", "apt\ninstall"),
                                     shown=source.body)
    checker._check(GOOD)
    assert [e for e in checker.errors if "evidence" in e] == []
    assert checker.findings[LOADER_DIFFERS] == [
        "de-apt-1: evidence as shown: 'Ein Paket wird mit apt install installiert.'\n"
        "      the loader's body: 'Ein Paket wird mit apt\\ninstall installiert.'"]


def test_shown_text_keeps_inline_elements_inline() -> None:
    html = "<html><head><title>x</title></head><body><p>Run <code>apt</code>-get <b>now</b>.</p><p>Next</p></body>"
    assert shown_text(html) == "Run apt-get now. Next"
    assert loader_version("apt-get now", "Run apt-\nget now.") == "apt-\nget now"
    assert loader_version("absent", "Run apt-get now.") is None
