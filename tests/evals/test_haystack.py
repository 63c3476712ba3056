"""Tests for evals/haystack.py: selection and text clean-up are pure; rendering uses the real Debian packages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evals.haystack import HaystackUnavailable, ManPage, installed_pool, materialise, rank_pages, render, shares, tidy
from rag.documents import load_file


def test_shares_split_evenly_with_remainder_to_the_first() -> None:
    assert shares(["en", "de"], 500) == {"de": 250, "en": 250}
    assert shares(["en", "de"], 7) == {"de": 4, "en": 3}


def test_rank_pages_is_a_fixed_order_independent_of_input_order() -> None:
    pages = [ManPage("de", "manpages-de", Path(f"/usr/share/man/de/man1/p{i}.1.gz")) for i in range(20)]
    ranked = rank_pages(pages)
    assert ranked == rank_pages(list(reversed(pages)))
    assert sorted(p.name for p in ranked) == sorted(p.name for p in pages)
    assert [p.name for p in ranked] != [p.name for p in pages]  # shuffled, not alphabetical


def test_tidy_drops_header_footer_dedents_and_cuts_at_a_line_end() -> None:
    raw = (
        "LS(1)                    User Commands                    LS(1)\n\n"
        "NAME\n       ls - list directory contents\n\n\n\n"
        "DESCRIPTION\n       List  information  about the FILEs.\n"
        "       More text here.\n\n"
        "GNU coreutils 9.1            September 2022                 LS(1)\n"
    )
    assert tidy(raw, 4000) == (
        "NAME\nls - list directory contents\n\nDESCRIPTION\nList information about the FILEs.\nMore text here."
    )
    short = tidy(raw, 60)
    assert short == "NAME\nls - list directory contents\n\nDESCRIPTION"
    assert len(short) <= 60


def test_file_names_are_prefixed_by_language() -> None:
    page = ManPage("en", "manpages", Path("/usr/share/man/man3/abs.3.gz"))
    assert page.name == "abs.3" and page.file_name == "man-en-abs.3.txt"


needs_packages = pytest.mark.skipif(
    shutil.which("man") is None or shutil.which("dpkg-query") is None, reason="needs man-db and dpkg"
)


@pytest.mark.slow
@needs_packages
def test_materialise_a_small_haystack_from_the_installed_packages(tmp_path: Path) -> None:
    try:
        installed_pool()
    except HaystackUnavailable as exc:
        pytest.skip(str(exc))
    folder = materialise(tmp_path, n=6, max_chars=1500, show_progress=False)
    files = sorted(folder.glob("*.txt"))
    assert len(files) == 6
    assert sum(f.name.startswith("man-de-") for f in files) == 3
    docs = [load_file(f, folder) for f in files]
    assert all(0 < len(d.text) <= 1500 for d in docs)
    assert {d.metadata["language"] for d in docs} == {"de", "en"}
    assert all(":" in d.title for d in docs)  # "name.section: what it is" from the NAME section
    # The same call again reuses the cache; the choice does not depend on the machine.
    mtimes = [f.stat().st_mtime_ns for f in files]
    assert materialise(tmp_path, n=6, max_chars=1500, show_progress=False) == folder
    assert [f.stat().st_mtime_ns for f in sorted(folder.glob("*.txt"))] == mtimes


@pytest.mark.slow
@needs_packages
def test_render_gives_plain_text_without_overstrikes() -> None:
    try:
        pool, _ = installed_pool()
    except HaystackUnavailable as exc:
        pytest.skip(str(exc))
    text = render(rank_pages(pool["de"])[0].path)
    assert "\b" not in text and len(text) > 200
