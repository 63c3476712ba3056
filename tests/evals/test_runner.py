"""Tests for evals/runner.py: a small real run (12 items, in-process, no LLM), its cross-check and report, and the
HTTP mode against a real Quelle behind the v1 routes (served through an httpx mock transport)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from evals import runner
from evals.runner import eval_settings, load_items, run_eval, spread
from evals.splits import recorded
from evals.targets import EvalError, HttpTarget
from rag.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
SEED_SET = ROOT / "evals" / "sets" / "seed.yaml"
DOCUMENTS = ROOT / "documents"
RETRIEVERS = ["hybrid", "dense", "bm25", "llama-index"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory, embedder) -> tuple[dict[str, Any], Path]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("eval")
    settings = load_settings(data_dir=tmp / "data", llm={"provider": "none"})
    out = tmp / "report"
    results = run_eval(SEED_SET, out_dir=out, limit=12, settings=settings, embedder=embedder, documents=DOCUMENTS,
                       show_progress=False)
    return results, out


@pytest.mark.slow
def test_our_hit_rate_and_mrr_agree_with_llama_index_retriever_evaluator(small_run) -> None:  # type: ignore[no-untyped-def]
    results, _ = small_run
    assert list(results["crosscheck"]) == RETRIEVERS
    for name, check in results["crosscheck"].items():
        ours = results["retrieval"][name]["all"]
        assert check["n"] == ours["n"] > 0
        assert check["llama_index"]["hit_rate"] == pytest.approx(ours["hit@10"], abs=1e-12), name
        assert check["llama_index"]["mrr"] == pytest.approx(ours["mrr@10"], abs=1e-12), name
        assert check["agree"], name


@pytest.mark.slow
def test_every_item_judged_against_every_retriever(small_run) -> None:  # type: ignore[no-untyped-def]
    results, _ = small_run
    items = results["items"]
    assert len(items) == 12
    assert {i["lang"] for i in items} == {"de", "en"}
    assert any(not i["answerable"] for i in items)
    for item in items:
        assert item["answer"]["mode"] in ("extractive", "refused")  # provider none never generates
        assert item["failure"] is not None
        if item["answerable"]:
            assert sorted(item["retrieval"]) == sorted(RETRIEVERS)
            # every relevant chunk that was retrieved is among the expected ids found by scanning the collection
            for run in item["retrieval"].values():
                hits = {cid for cid, rel in zip(run["ids"], run["relevant"], strict=True) if rel}
                assert hits <= set(run["expected_ids"])
                assert run["expected_ids"]  # the gold quotes are in the seed document


@pytest.mark.slow
def test_answer_quality_is_judged_per_language(small_run) -> None:  # type: ignore[no-untyped-def]
    results, out = small_run
    quality = results["quality"]
    assert list(quality) == ["all", "de", "en"]
    assert quality["all"]["items"] == 12 == quality["de"]["items"] + quality["en"]["items"]
    assert quality["all"]["citations_exact"] == 1.0
    assert 0.0 <= quality["all"]["first_citation_in_gold"] <= 1.0
    judged = [i["quality"] for i in results["items"]]
    assert all(q is not None and q["lang"] in ("de", "en") for q in judged)
    assert "## Answer quality per language" in (out / "report.md").read_text()


@pytest.mark.slow
def test_answers_keep_the_citation_invariant(small_run) -> None:  # type: ignore[no-untyped-def]
    results, _ = small_run
    system = results["answers"]["system"]["all"]
    assert system["citation_validity"] == 1.0
    assert system["modes"]["generated"]["n"] == 0
    assert system["verifier_rejection_rate"] is None
    assert results["answers"]["baseline"]["all"]["n"] == 12
    assert results["config"]["baseline"]["answers"] == "top-nodes"


@pytest.mark.slow
def test_report_files_are_written_and_results_json_is_stable(small_run) -> None:  # type: ignore[no-untyped-def]
    results, out = small_run
    for name in ("results.json", "report.md", "hit_at_k.png", "accuracy_by_language.png", "failures.png"):
        assert (out / name).stat().st_size > 0, name
    for name in ("hit_at_k.png", "accuracy_by_language.png", "failures.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "results.json").read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    report = (out / "report.md").read_text()
    assert "| hybrid (system) | de |" in report and "| llama-index | en |" in report
    assert "## Cross-check with llama-index's RetrieverEvaluator" in report


def test_spread_takes_evenly_spaced_items() -> None:
    assert spread(list(range(10)), 4) == [0, 2, 5, 7]
    assert spread(list(range(3)), 10) == [0, 1, 2]
    assert spread(list(range(3)), None) == [0, 1, 2]
    items = load_items(SEED_SET, 12)
    assert len(items) == 12 and len({i["id"] for i in items}) == 12


def test_splits_are_the_recorded_ones_and_partition_the_set() -> None:
    everything = {i["id"] for i in load_items(SEED_SET)}
    test = {i["id"] for i in load_items(SEED_SET, split="test")}
    dev = {i["id"] for i in load_items(SEED_SET, split="dev")}
    assert test == set(recorded()["seed"]["test"])
    assert test | dev == everything and not test & dev
    assert len(load_items(SEED_SET, 5, split="test")) == 5


def test_a_set_without_a_recorded_split_is_an_error(tmp_path: Path) -> None:
    unsplit = tmp_path / "unsplit.yaml"
    unsplit.write_text("- {id: a, lang: en, question: 'Why?', answerable: false}\n", encoding="utf-8")
    assert len(load_items(unsplit)) == 1
    with pytest.raises(EvalError, match="unsplit has no recorded split"):
        load_items(unsplit, split="test")


def test_eval_settings_never_use_the_users_store(tmp_path: Path) -> None:
    base = load_settings(store={"chroma_host": "chroma.example", "chroma_port": 9000}, data_dir=Path(".data"))
    settings = eval_settings(base, tmp_path, "bm25")
    assert settings.store.chroma_host is None
    assert settings.data_dir == tmp_path
    assert settings.retrieval.mode == "bm25"
    assert eval_settings(base, tmp_path, None).retrieval.mode == base.retrieval.mode


def _v1_routes(quelle) -> httpx.MockTransport:  # type: ignore[no-untyped-def]
    """The HTTP contract's read routes over a real Quelle (what api/ serves), for the runner's HTTP mode."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/search":
            q, k = request.url.params["q"], int(request.url.params.get("k", 5))
            return httpx.Response(200, json={"results": [p.to_dict() for p in quelle.search(q, k)]})
        if path == "/v1/ask":
            body = json.loads(request.content)
            return httpx.Response(200, json=quelle.ask(body["question"], body.get("top_k")).to_dict())
        if path == "/v1/documents":
            return httpx.Response(200, json=[d.to_dict() for d in quelle.list_documents()])
        if path.startswith("/v1/documents/"):
            found = quelle.get_document(path.rsplit("/", 1)[1])
            if found is None:
                return httpx.Response(404, json={"title": "not found"})
            return httpx.Response(200, json={**found[0].to_dict(), "text": found[1]})
        return httpx.Response(404, json={"title": "no route"})

    return httpx.MockTransport(handle)


@pytest.mark.slow
def test_http_mode_measures_the_server_and_builds_the_baseline_from_its_documents(
    quelle, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    quelle.ingest([DOCUMENTS], show_progress=False)
    transport = _v1_routes(quelle)
    monkeypatch.setattr(runner, "HttpTarget", lambda url: HttpTarget(url, transport=transport))
    results = run_eval(SEED_SET, url="http://quelle.test", out_dir=tmp_path / "r", limit=6, embedder=embedder,
                       settings=load_settings(llm={"provider": "none"}), show_progress=False)
    assert results["config"]["retrievers"] == ["server", "llama-index"]
    assert results["config"]["ask_top_k"] == 5
    assert all(check["agree"] for check in results["crosscheck"].values())
    assert results["answers"]["system"]["all"]["citation_validity"] == 1.0
    assert results["answers"]["system"]["all"]["n"] == 6
    assert any("Over HTTP" in note for note in results["notes"])
    answered = [i for i in results["items"] if i["answerable"]]
    assert all(i["evidence_has_gold"] is None for i in answered)


@pytest.mark.slow
def test_cli_eval_writes_a_report_and_prints_the_main_table(
    embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    from api.cli import main

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(runner, "make_embedder", lambda *args, **kwargs: embedder)  # loaded once
    out = tmp_path / "cli-report"
    code = main(["eval", str(SEED_SET), "--llm", "none", "--limit", "4", "--no-baselines", "--retriever", "bm25",
                 "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| bm25 (system) | all |" in printed
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["retrievers"] == ["bm25"]
    assert results["config"]["llm_provider"] == "none"
    assert results["set"]["items"] == 4


@pytest.mark.slow
def test_several_sets_get_a_folder_each_and_a_summary(
    embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(runner, "make_embedder", lambda *args, **kwargs: embedder)
    sets = []
    for name in ("first", "second"):  # no corpus folder of their own: asked over documents/
        path = tmp_path / f"{name}.yaml"
        path.write_text(SEED_SET.read_text(encoding="utf-8"), encoding="utf-8")
        sets.append(str(path))
    out = tmp_path / "reports"
    assert runner.main([*sets, "--llm", "none", "--limit", "2", "--no-baselines", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "## first (all items)" in printed and "## second (all items)" in printed
    assert "| lang | n | accuracy |" in printed
    for name in ("first", "second"):
        assert json.loads((out / name / "results.json").read_text())["set"]["items"] == 2
    summary = (out / "summary.md").read_text()
    assert "[first](first/report.md)" in summary and "[second](second/report.md)" in summary
