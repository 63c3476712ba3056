"""The `quelle` command line: ingest, documents, search, ask, config, serve, eval (an entry point beside the API)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from rag.config import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quelle", description="Answers with proof from your documents.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index files and folders (default: the documents folder)")
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--prune", action="store_true", help="remove indexed documents whose files are gone")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("documents", help="list indexed documents")
    sub.add_parser("config", help="print the effective settings (secrets masked)")

    p = sub.add_parser("search", help="ranked passages for a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=None)
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default=None)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("-k", "--top-k", type=int, default=None)
    p.add_argument("--doc", action="append", dest="doc_ids", help="only these documents (repeatable)")
    p.add_argument("--json", action="store_true", help="print the answer object")

    p = sub.add_parser("serve", help="run the HTTP API")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=1)

    p = sub.add_parser("eval", help="run an eval set and write a report")
    p.add_argument("set", nargs="?", default="evals/sets/seed.yaml")
    p.add_argument("--url", default=None, help="evaluate a running server over HTTP")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default=None)
    p.add_argument("--out", default="reports", help="report folder")
    p.add_argument("--no-baselines", action="store_true", help="only the system: no other retrievers, no llama-index")
    p.add_argument("--llm", choices=["llamacpp", "openai", "none"], default=None, help="LLM provider for the answers")
    p.add_argument("--limit", type=int, default=None, help="only this many items, spread evenly over the set")
    p.add_argument("--haystack", action="store_true", help="also ingest the man page haystack (see evals/README.md)")
    p.add_argument("--haystack-docs", type=int, default=500, help="haystack documents (default 500)")
    p.add_argument("--haystack-chars", type=int, default=4000, help="characters kept per haystack document")

    args = parser.parse_args(argv)
    handler = globals()[f"_cmd_{args.command}"]
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130


def _service():  # type: ignore[no-untyped-def]
    from rag.service import Quelle

    return Quelle(load_settings())


def _cmd_ingest(args: argparse.Namespace) -> int:
    settings = load_settings()
    from rag.service import Quelle

    quelle = Quelle(settings)
    paths = args.paths or [settings.documents_dir]
    report = quelle.ingest(paths, prune=args.prune, show_progress=not args.quiet)
    for _path, reason in report.failed:
        print(f"failed: {reason}", file=sys.stderr)
    for r in report.results:
        print(f"{r.status:9} {r.doc_id} ({r.chunks} chunks)")
    for doc_id in report.removed:
        print(f"removed   {doc_id}")
    total = sum(d.chunks for d in quelle.list_documents())
    print(f"{report.summary()}; index: {len(quelle.list_documents())} documents, {total} chunks")
    return 1 if report.failed and not report.results else 0


def _cmd_documents(args: argparse.Namespace) -> int:
    docs = _service().list_documents()
    for d in docs:
        print(f"{d.doc_id:40} {d.chunks:5} chunks  {d.language}  {d.ingested_at}  {d.title[:60]}")
    print(f"{len(docs)} documents")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    print(json.dumps(load_settings().masked(), indent=2, default=str))
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    for i, p in enumerate(_service().search(args.query, args.k, mode=args.retriever), start=1):
        print(f"{i}. [{p.score:.4f}] {p.doc_id} {p.start}-{p.end}")
        print(textwrap.indent(textwrap.fill(p.text, 100), "   "))
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    answer = _service().ask(args.question, args.top_k, args.doc_ids)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.answer)
    print(f"\n({answer.mode}, {answer.timings_ms.get('total', 0):.0f} ms)")
    for c in answer.citations:
        print(f"\n[{c.id}] {c.title} — {c.source} [{c.start}:{c.end}]")
        print(textwrap.indent(textwrap.fill(c.quote, 100), "    "))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from api.serve import serve

    return serve(args.host, args.port, args.workers)


def _cmd_eval(args: argparse.Namespace) -> int:
    from evals.runner import run_cli

    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
