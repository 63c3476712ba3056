"""The haystack corpus: real German and English man pages from Debian packages, rendered to text files."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

# German pages come from manpages-de; English ones from the Linux man-pages project (manpages, manpages-dev).
PACKAGES: dict[str, tuple[str, ...]] = {"de": ("manpages-de",), "en": ("manpages", "manpages-dev")}
DEFAULT_DOCS = 500
DEFAULT_MAX_CHARS = 4000
DEFAULT_DIR = Path(".data") / "haystack"
INSTALL_HINT = "apt-get install man-db groff-base manpages manpages-dev manpages-de"
RENDER_WIDTH = 100
_HEADER = re.compile(r"^\S+\(\S+\)\s.*\S+\(\S+\)$")  # "LS(1)   User Commands   LS(1)"


class HaystackUnavailable(RuntimeError):
    """The man page packages or the man renderer are missing; the message says what to install."""


@dataclass(frozen=True)
class ManPage:
    """One installed man page file chosen for the haystack."""

    language: str
    package: str
    path: Path

    @property
    def name(self) -> str:
        """'ls.1' for /usr/share/man/de/man1/ls.1.gz."""
        return self.path.name.removesuffix(".gz")

    @property
    def file_name(self) -> str:
        return f"man-{self.language}-{re.sub(r'[^A-Za-z0-9._-]+', '-', self.name)}.txt"


def package_version(package: str) -> str | None:
    """The installed Debian version of `package`, or None when it is not installed."""
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}\t${Version}", package], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None
    status, _, version = out.stdout.partition("\t")
    return version if out.returncode == 0 and status.endswith(" installed") else None


def package_pages(package: str) -> list[Path]:
    """The regular man page files a package installed (no symlinks, no '.so' redirects), sorted."""
    out = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    pages = []
    for line in sorted(out.stdout.splitlines()):
        path = Path(line)
        is_page = "/man/" in line and line.endswith(".gz") and path.is_file() and not path.is_symlink()
        if is_page and not _is_redirect(path):
            pages.append(path)
    return pages


def _is_redirect(path: Path) -> bool:
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        lines = [line for line in fh.read(4096).splitlines() if line.strip() and not line.startswith(('.\\"', "'\\\""))]
    return len(lines) <= 2 and any(line.startswith(".so ") for line in lines)


def shares(languages: Sequence[str], n: int) -> dict[str, int]:
    """n split evenly between the languages; the first ones (sorted) get any remainder."""
    ordered = sorted(languages)
    return {lang: n // len(ordered) + (1 if i < n % len(ordered) else 0) for i, lang in enumerate(ordered)}


def rank_pages(pages: Sequence[ManPage]) -> list[ManPage]:
    """Pages in a fixed pseudo-random order: by the sha256 of language/package/section/file name, so the
    choice depends only on what the packages hold, not on the machine."""
    return sorted(pages, key=_rank_key)


def _rank_key(page: ManPage) -> str:
    key = f"{page.language}/{page.package}/{page.path.parent.name}/{page.path.name}"
    return hashlib.sha256(key.encode()).hexdigest()


def render(path: Path) -> str:
    """The page as plain text, as `man` shows it (no hyphenation, no bold/underline)."""
    env = {**os.environ, "MANWIDTH": str(RENDER_WIDTH), "MANROFFOPT": "-rHY=0", "LC_ALL": "C.UTF-8",
           "MANPAGER": "cat", "PAGER": "cat"}
    env.pop("MAN_KEEP_FORMATTING", None)
    out = subprocess.run(["man", "-E", "UTF-8", "-l", str(path)], capture_output=True, env=env, check=False)
    return re.sub(".\b", "", out.stdout.decode("utf-8", errors="replace"))


def tidy(text: str, max_chars: int) -> str:
    """Drop the running header and footer, dedent, squeeze spaces and blank lines, cut at a line end."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and _HEADER.match(" ".join(lines[0].split())):
        lines.pop(0)
    if lines and re.search(r"\S+\(\S+\)$", lines[-1]) and len(lines[-1].split()) >= 2:
        lines.pop()
    kept: list[str] = []
    for line in lines:
        line = " ".join(line.split())
        if line or (kept and kept[-1]):
            kept.append(line)
    body = "\n".join(kept).strip()
    if len(body) <= max_chars:
        return body
    cut = body.rfind("\n", 0, max_chars + 1)
    return body[: cut if cut > max_chars // 2 else max_chars].rstrip()


def _title(body: str, page: ManPage) -> str:
    # The NAME/BEZEICHNUNG section's first line: "ls - Verzeichnisinhalte auflisten".
    lines = body.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.upper() in ("NAME", "BEZEICHNUNG") and lines[i + 1].strip():
            return f"{page.name}: {lines[i + 1].strip()}"[:200]
    return page.name


def installed_pool() -> tuple[dict[str, list[ManPage]], dict[str, str]]:
    """Every usable page per language, and the installed package versions; raises if anything is missing."""
    if shutil.which("man") is None or shutil.which("dpkg") is None:
        raise HaystackUnavailable(f"the haystack renders Debian man pages: needs `man` and `dpkg` ({INSTALL_HINT})")
    versions = {pkg: package_version(pkg) for pkgs in PACKAGES.values() for pkg in pkgs}
    missing = [pkg for pkg, version in versions.items() if version is None]
    if missing:
        raise HaystackUnavailable(f"the haystack needs the Debian packages {', '.join(missing)} ({INSTALL_HINT})")
    pool = {
        language: [ManPage(language, pkg, path) for pkg in pkgs for path in package_pages(pkg)]
        for language, pkgs in PACKAGES.items()
    }
    return pool, {pkg: str(v) for pkg, v in versions.items()}


def materialise(
    target: Path | None = None, n: int = DEFAULT_DOCS, max_chars: int = DEFAULT_MAX_CHARS, show_progress: bool = True
) -> Path:
    """A folder of n haystack .txt files (with YAML front matter), rendered once and reused while the packages
    and parameters are unchanged. Returns the folder."""
    pool, versions = installed_pool()
    folder = (target or DEFAULT_DIR) / f"manpages-{n}-{max_chars}"
    manifest_path = folder / "manifest.json"
    wanted = {"packages": versions, "docs": n, "max_chars": max_chars, "render_width": RENDER_WIDTH}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest.get(k) for k in wanted} == wanted and len(list(folder.glob("*.txt"))) == manifest["count"]:
            return folder
    started = time.perf_counter()
    quota = shares(list(pool), n)
    staging = folder.with_name(folder.name + f".{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    written: list[dict[str, str]] = []
    with tqdm(total=n, desc="haystack", unit="page", disable=not show_progress) as progress:
        for language in sorted(pool):
            written += _render_language(rank_pages(pool[language]), quota[language], max_chars, staging, progress)
    (staging / "manifest.json").write_text(
        json.dumps({**wanted, "count": len(written), "seconds": round(time.perf_counter() - started, 1),
                    "files": written}, indent=2, ensure_ascii=False)
    )
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return folder


def _render_language(pages: list[ManPage], share: int, max_chars: int, folder: Path, progress: tqdm) -> list[dict]:
    """Render pages in their ranked order until `share` usable ones are written (empty renders are skipped)."""
    written: list[dict] = []
    names: set[str] = set()
    with ThreadPoolExecutor(max_workers=4) as pool:
        for lo in range(0, len(pages), 32):
            batch = [p for p in pages[lo : lo + 32] if p.file_name not in names]
            for page, raw in zip(batch, pool.map(lambda p: render(p.path), batch), strict=True):
                body = tidy(raw, max_chars)
                if len(written) >= share or len(body) < 200 or page.file_name in names:
                    continue
                names.add(page.file_name)
                _write(folder / page.file_name, body, page)
                written.append({"file": page.file_name, "package": page.package, "source": str(page.path)})
                progress.update(1)
            if len(written) >= share:
                break
    return written


def _write(path: Path, body: str, page: ManPage) -> None:
    front = {"title": _title(body, page), "language": page.language, "package": page.package,
             "man_page": str(page.path)}
    header = "---\n" + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in front.items()) + "---\n"
    path.write_text(header + body + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Materialise the man page haystack corpus.")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("-n", type=int, default=DEFAULT_DOCS)
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS)
    args = parser.parse_args(argv)
    try:
        folder = materialise(args.dir, args.n, args.max_chars)
    except HaystackUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
