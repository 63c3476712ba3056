"""Real-text corpora for the benchmarks: the man page haystack (evals.haystack), else standard library docstrings."""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

from evals.harness import read_yaml
from rag.chunking import chunk_text, embedding_text
from rag.config import ChunkSettings
from rag.documents import load_file
from rag.schema import Document

ROOT = Path(__file__).resolve().parent.parent
SEED_SET = ROOT / "evals" / "sets" / "seed.yaml"
SEED_DOCUMENTS = ROOT / "documents"
# Modules with plenty of prose in their docstrings; used when the man pages cannot be rendered.
STDLIB_MODULES = (
    "argparse", "asyncio.events", "asyncio.tasks", "collections", "concurrent.futures", "configparser", "csv",
    "dataclasses", "datetime", "decimal", "difflib", "email.message", "enum", "fractions", "functools", "gzip",
    "http.client", "http.cookiejar", "inspect", "ipaddress", "itertools", "json", "logging", "mailbox", "os",
    "pathlib", "pickle", "pydoc", "random", "shutil", "smtplib", "socket", "statistics", "string", "subprocess",
    "tarfile", "tempfile", "textwrap", "threading", "typing", "unittest.case", "urllib.parse", "uuid", "zipfile",
    "abc", "ast", "base64", "bisect", "calendar", "cmd", "codecs", "contextlib", "copy", "doctest", "filecmp",
    "fnmatch", "ftplib", "getopt", "gettext", "glob", "hashlib", "heapq", "hmac", "imaplib", "locale", "mimetypes",
    "numbers", "operator", "optparse", "pdb", "pprint", "queue", "quopri", "sched", "secrets", "selectors",
    "shlex", "signal", "socketserver", "ssl", "struct", "symtable", "sysconfig", "timeit", "token", "trace",
    "traceback", "types", "warnings", "wave", "weakref", "xml.dom.minidom", "xml.etree.ElementTree", "zipimport",
)


@dataclass(frozen=True)
class Corpus:
    """Files to ingest, the Documents they load as, and the chunk texts Quelle's chunker makes of them."""

    description: str
    files: list[Path]
    documents: list[Document]
    chunk_texts: list[str]

    @property
    def characters(self) -> int:
        return sum(len(d.text) for d in self.documents)


def real_corpus(work: Path, min_chunks: int, haystack_docs: int, chunking: ChunkSettings) -> Corpus:
    """At least `min_chunks` chunks of real text (fewer only if the source runs out), documents in a stable order."""
    try:
        from evals.haystack import HaystackUnavailable, materialise

        folder = materialise(ROOT / ".data" / "haystack", n=haystack_docs, show_progress=False)
        source = f"man pages (German manpages-de, English manpages/-dev; evals/haystack.py, {folder.name})"
    except (ImportError, HaystackUnavailable, OSError) as exc:
        folder = write_stdlib_docs(work / "stdlib-docs")
        source = f"Python standard library docstrings (man pages unavailable: {exc})"
    return _take(sorted(folder.glob("*.txt"), key=_interleaved), folder, min_chunks, chunking, source)


def _interleaved(path: Path) -> tuple[str, str]:
    # 'man-de-ls.1.txt' and 'man-en-ls.1.txt' sort next to each other, so any prefix mixes both languages.
    match = re.match(r"man-(\w\w)-(.*)", path.name)
    return (match.group(2), match.group(1)) if match else (path.name, "")


def _take(paths: list[Path], root: Path, min_chunks: int, chunking: ChunkSettings, source: str) -> Corpus:
    files: list[Path] = []
    docs: list[Document] = []
    texts: list[str] = []
    for path in paths:
        if len(texts) >= min_chunks:
            break
        doc = load_file(path, root)
        files.append(path)
        docs.append(doc)
        chunks = chunk_text(doc.doc_id, doc.text, doc.outline, chunking.size, chunking.overlap)
        texts += [embedding_text(c) for c in chunks]  # what ingest embeds for each chunk
    return Corpus(f"{source}: {len(docs)} documents", files, docs, texts)


def write_stdlib_docs(folder: Path) -> Path:
    """One text file per standard library module: its docstring and those of its public members."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in STDLIB_MODULES:
        target = folder / f"stdlib-{name.replace('.', '-')}.txt"
        if target.exists():
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        parts = [f"{name}\n\n{inspect.getdoc(module) or ''}"]
        for member_name, member in _public_members(module, module.__name__):
            parts += _docs(f"{name}.{member_name}", member)
            if inspect.isclass(member):
                for attr_name, attr in _public_members(member, module.__name__):
                    parts += _docs(f"{name}.{member_name}.{attr_name}", attr)
        target.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return folder


def _public_members(owner: object, module_name: str) -> list[tuple[str, object]]:
    return [
        (n, m) for n, m in sorted(vars(owner).items())
        if not n.startswith("_") and getattr(m, "__module__", None) == module_name
    ]


def _docs(title: str, member: object) -> list[str]:
    doc = inspect.getdoc(member)
    return [f"{title}\n\n{doc}"] if doc and len(doc) > 80 else []


def benchmark_queries(corpus: Corpus, limit: int = 400) -> list[str]:
    """Questions of the seed eval set (German and English) and the corpus's document titles, interleaved."""
    questions = seed_questions()
    titles = [d.title for d in corpus.documents if d.title]
    mixed: list[str] = []
    for i in range(max(len(questions), len(titles))):
        mixed += ([questions[i]] if i < len(questions) else []) + ([titles[i]] if i < len(titles) else [])
    return mixed[:limit] or ["What does this document say?"]


def seed_questions() -> list[str]:
    """The seed eval set's questions, for asking about the seed document."""
    items = (read_yaml(SEED_SET) or []) if SEED_SET.exists() else []
    questions = [str(i["question"]) for i in items if isinstance(i, dict) and i.get("question")]
    return questions or ["Wie viele Ascend-Chips hat Bytedance bestellt?"]
