"""Tests for api/cli.py: ingest, documents, search, ask and config on a temporary data dir, provider none."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.cli import main

pytestmark = pytest.mark.slow  # each command loads the real embedding model

ZEBRA = ("# Zebrotek\n\nDie Firma Zebrotek aus Graz hat 4.711 Quantenchips an die Stadtwerke geliefert.\n\n"
         "## Lieferung\n\nDie Lieferung kam im März 2026 mit der Bahn in Graz an.\n")
HARBOUR = ("The harbour of Lindholm has 14 cranes. Each crane lifts up to 40 tonnes.\n\n"
           "The harbour master is Ingrid Sørensen; she has run the port since 2019.\n")

Run = Callable[..., tuple[int, str, str]]


def _runner(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zebrotek.md").write_text(ZEBRA, encoding="utf-8")
    (docs / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    return docs


@pytest.fixture()
def cli(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """`quelle` with its own data dir, the folder above as its documents folder, provider none."""
    for name in [n for n in os.environ if n.startswith("QUELLE_")]:
        monkeypatch.delenv(name)
    env = {"QUELLE_DATA_DIR": str(tmp_path / "data"), "QUELLE_DOCUMENTS_DIR": str(folder),
           "QUELLE_LLM_PROVIDER": "none", "QUELLE_API_KEY": "s3cret-key"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield _runner(capsys)


def test_ingest_then_documents_search_and_ask(cli: Run, folder: Path) -> None:
    code, out, _ = cli("ingest", "--quiet")  # default: the documents folder
    assert code == 0
    assert "created   zebrotek (" in out and "created   harbour (" in out
    assert "index: 2 documents" in out

    code, out, _ = cli("documents")
    assert code == 0
    assert out.splitlines()[-1] == "2 documents"
    assert {line.split()[0] for line in out.splitlines()[:-1]} == {"zebrotek", "harbour"}

    code, out, _ = cli("search", "Quantenchips Stadtwerke", "-k", "1")
    assert code == 0
    assert out.startswith("1. [") and " zebrotek " in out.splitlines()[0]

    code, out, _ = cli("ask", "How many cranes does the harbour of Lindholm have?")
    assert code == 0
    assert "14 cranes" in out
    assert "(extractive," in out
    assert "[1] " in out and "harbour.txt" in out


def test_ask_json_is_the_answer_object_with_exact_quotes(cli: Run, folder: Path) -> None:
    cli("ingest", "--quiet", str(folder))
    code, out, _ = cli("ask", "Wie viele Quantenchips hat Zebrotek geliefert?", "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["mode"] == "extractive" and answer["answerable"] is True
    assert "4.711" in answer["answer"]
    first = answer["citations"][0]
    assert first["doc_id"] == "zebrotek"
    assert first["quote"] in ZEBRA

    code, out, _ = cli("ask", "Wie viele Quantenchips hat Zebrotek geliefert?", "--json", "--doc", "harbour")
    assert code == 0
    assert all(c["doc_id"] == "harbour" for c in json.loads(out)["citations"])


def test_reingest_is_unchanged_and_prune_removes_deleted_files(cli: Run, folder: Path) -> None:
    cli("ingest", "--quiet", str(folder))
    code, out, _ = cli("ingest", "--quiet", str(folder))
    assert code == 0
    assert "unchanged zebrotek" in out and "unchanged harbour" in out

    (folder / "harbour.txt").unlink()
    code, out, _ = cli("ingest", "--quiet", "--prune", str(folder))
    assert code == 0
    assert "removed   harbour" in out
    code, out, _ = cli("documents")
    assert out.splitlines()[-1] == "1 documents"


def test_a_file_that_cannot_be_ingested_fails_with_a_reason(cli: Run, tmp_path: Path) -> None:
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK\x03\x04 not a supported type")
    code, _, err = cli("ingest", "--quiet", str(bad))
    assert code == 1
    assert "failed:" in err and "unsupported file type '.docx'" in err


def test_config_prints_the_effective_settings_with_secrets_masked(cli: Run, tmp_path: Path) -> None:
    code, out, _ = cli("config")
    assert code == 0
    config = json.loads(out)
    assert config["llm"]["provider"] == "none"
    assert config["data_dir"] == str(tmp_path / "data")
    assert config["api"]["api_key"] == "***"
    assert "s3cret-key" not in out


def test_unknown_command_is_a_usage_error(cli: Run) -> None:
    with pytest.raises(SystemExit) as exited:
        cli("frobnicate")
    assert exited.value.code == 2
