"""Embedder batching (longest first, results in the caller's order), backend selection, and the ONNX export cache."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from rag.embeddings import MANIFEST, Embedder, OnnxExport


class LengthEmbedder(Embedder):
    """A fake model whose vector encodes the text's length; records the batches it was given."""

    dimension = 2

    def __init__(self, batch_size: int) -> None:
        super().__init__(batch_size)
        self.batches: list[list[str]] = []

    def _embed(self, texts: list[str]) -> np.ndarray:
        self.batches.append(texts)
        return np.asarray([[float(len(t)), 1.0] for t in texts], dtype=np.float32)


def test_batches_are_sorted_by_length_and_results_keep_the_callers_order() -> None:
    texts = ["a" * n for n in (3, 40, 1, 25, 7, 12, 2)]
    embedder = LengthEmbedder(batch_size=3)
    vectors = embedder.embed_batch(texts)
    assert [int(v[0]) for v in vectors] == [len(t) for t in texts]
    assert [[len(t) for t in b] for b in embedder.batches] == [[40, 25, 12], [7, 3, 2], [1]]


@pytest.mark.slow
def test_the_real_model_gives_the_same_vector_alone_and_in_a_batch(embedder) -> None:  # type: ignore[no-untyped-def]
    texts = ["Huawei baut den Ascend 910C.",
             "ByteDance spent two billion dollars on Nvidia chips last year, Reuters said."]
    together = embedder.embed_batch(texts)
    # int8 dynamic quantisation scales activations per call (over the whole padded batch), so a text's vector
    # moves a little with its batch companions: measured 0.993 here, against 0.9999 for fp32.
    same = 0.99 if embedder.backend == "onnx-int8" else 0.999
    for text, vector in zip(texts, together, strict=True):
        assert float(np.dot(embedder.embed_query(text), vector)) > same


class WordEmbedder(LengthEmbedder):
    """A fake model that tokenizes into words: batches must be sorted by words, not characters."""

    def _prepare(self, texts: list[str]) -> list[list[str]]:
        return [t.split() for t in texts]

    def _embed(self, items: list[list[str]]) -> np.ndarray:  # type: ignore[override]
        self.batches.append([" ".join(words) for words in items])
        return np.asarray([[float(len(words)), 1.0] for words in items], dtype=np.float32)


def test_batches_are_sorted_by_what_the_model_pads_to() -> None:
    texts = ["kurz", "a b c d e", "Donaudampfschifffahrtsgesellschaft", "x y"]
    embedder = WordEmbedder(batch_size=2)
    vectors = embedder.embed_batch(texts)
    assert [int(v[0]) for v in vectors] == [1, 5, 1, 2]
    assert embedder.batches == [["a b c d e", "x y"], ["kurz", "Donaudampfschifffahrtsgesellschaft"]]


@pytest.mark.slow
def test_the_real_model_tokenizes_once_and_matches_sentence_transformers(embedder) -> None:  # type: ignore[no-untyped-def]
    """The embedder's own tokenizing, padding and forward pass give sentence-transformers' vectors, and its batches go
    by word pieces: an id of 19 characters is 18 pieces, an English sentence of 47 characters 14."""
    texts = ["the cat sat on the mat and then the dog came in", "a8f3-9c2e-77b1-04dd",
             "Wie viele H20-GPUs will Nvidia in diesem Jahr nach China liefern? " * 30, "Huawei baut den Ascend 910C."]
    if embedder.backend != "onnx-int8":  # int8 activations are quantised per batch, so only fp32 can match exactly
        reference = np.asarray(embedder._model.encode(texts, batch_size=embedder.batch_size,
                                                      normalize_embeddings=True, show_progress_bar=False))
        # bf16 weights: sentence-transformers pools in bf16, Quelle in fp32 (one bf16 step is 2^-8 relative)
        np.testing.assert_allclose(embedder.embed_batch(texts), reference,
                                   atol=4e-3 if embedder.backend == "torch-bf16" else 1e-5)
    batches: list[list[int]] = []
    original = embedder._embed

    def spy(items):  # type: ignore[no-untyped-def]
        batches.append([len(e) for e in items])
        return original(items)

    embedder._embed, embedder.batch_size, size = spy, 1, embedder.batch_size
    try:
        embedder.embed_batch(texts)
    finally:
        embedder.batch_size = size
        del embedder._embed
    assert batches == [[embedder._model.max_seq_length], [18], [14], [12]]  # the long one truncated


@pytest.mark.slow
def test_the_numpy_head_computes_the_models_pooling_and_normalising(embedder) -> None:  # type: ignore[no-untyped-def]
    """An ONNX session's output is pooled in numpy only when the model's modules after the transformer are mean pooling
    and Normalize, and then gives what those modules give, padded rows included."""
    import torch

    from rag.embeddings import _mean_normalised, _mean_pooling_only

    assert _mean_pooling_only(embedder._model)  # all-MiniLM-L6-v2: Transformer, Pooling (mean), Normalize
    assert embedder._mean_pooled == (embedder.backend != "torch")
    rng = np.random.default_rng(3)
    hidden = rng.normal(size=(3, 9, embedder.dimension)).astype(np.float32)
    mask = np.ones((3, 9), dtype=np.int64)
    mask[1, 4:] = mask[2, 1:] = 0
    out = {"token_embeddings": torch.from_numpy(hidden), "attention_mask": torch.from_numpy(mask)}
    for module in list(embedder._model)[1:]:
        out = module(out)
    np.testing.assert_allclose(_mean_normalised(hidden, mask), out["sentence_embedding"].numpy(), atol=1e-6)


def test_no_texts_no_vectors() -> None:
    assert LengthEmbedder(batch_size=4).embed_batch([]).shape == (0, 2)


# -- backends ---------------------------------------------------------------------------------------


def test_an_unknown_backend_fails_at_start_up_with_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from rag.config import EmbedSettings, load_settings
    from rag.embeddings import EmbeddingError, make_embedder

    with pytest.raises(EmbeddingError, match="unknown embedding backend 'tensorrt'; "
                                             "valid: auto, torch, torch-bf16, onnx, onnx-int8"):
        make_embedder(EmbedSettings.model_construct(backend="tensorrt"))  # settings that skipped validation
    monkeypatch.setenv("QUELLE_EMBED__BACKEND", "tensorrt")
    with pytest.raises(ValidationError, match="'auto', 'torch', 'torch-bf16', 'onnx' or 'onnx-int8'"):
        load_settings()


def test_native_bf16_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    from rag.embeddings import native_bf16

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512bw\n")
    assert not native_bf16(str(cpuinfo))  # AVX-512 alone: torch would emulate bf16
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n")
    assert native_bf16(str(cpuinfo))
    cpuinfo.write_text("flags\t\t: fpu amx_bf16 amx_tile\n")
    assert native_bf16(str(cpuinfo))
    assert not native_bf16(str(tmp_path / "no such file"))  # not Linux: no flags to read


@pytest.mark.parametrize(("bf16", "chosen"), [(True, "torch-bf16"), (False, "onnx")])
def test_auto_picks_bf16_only_where_the_cpu_multiplies_it(bf16: bool, chosen: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import rag.embeddings
    from rag.config import load_settings
    from rag.embeddings import check_backend

    monkeypatch.setattr(rag.embeddings, "native_bf16", lambda: bf16)
    assert load_settings().embed.backend == "auto"
    assert check_backend("auto") == chosen
    assert check_backend("torch") == "torch"  # a named backend is taken as it is


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_the_configured_backend_is_the_one_loaded(backend: str, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    import rag.embeddings
    from rag.config import load_settings
    from rag.embeddings import make_embedder

    loaded: list[tuple[str, Path, int | None]] = []

    class Model:
        def get_embedding_dimension(self) -> int:
            return 3

        def __getitem__(self, index: int) -> SimpleNamespace:  # the transformer module holding the ONNX session
            return SimpleNamespace(auto_model=SimpleNamespace(session=SimpleNamespace(run=print)))

    def fake_load(model: str, path: str, device: str, backend: str, cache_dir: Path, threads: int | None) -> Model:
        loaded.append((backend, cache_dir, threads))
        return Model()

    monkeypatch.setattr(rag.embeddings, "_load", fake_load)
    monkeypatch.setenv("QUELLE_EMBED__BACKEND", backend)
    monkeypatch.setenv("QUELLE_EMBED__CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("QUELLE_EMBED__THREADS", "1")
    embedder = make_embedder(load_settings().embed)
    assert embedder.backend == backend and embedder._session is not None  # ONNX Runtime's session, run directly
    assert loaded == [(backend, tmp_path, 1)]


class FakeExport(OnnxExport):
    """The cache logic over a stand-in export: two small files instead of sentence-transformers' ONNX files."""

    writes = 0

    def _write(self, folder: Path) -> None:
        FakeExport.writes += 1
        (folder / "onnx").mkdir()
        (folder / "onnx" / "model_qint8_fake.onnx").write_bytes(b"int8 weights " * 100)
        (folder / "tokenizer.json").write_text("{}")


def test_the_export_is_made_once_checked_on_load_and_made_again_when_corrupt(tmp_path: Path) -> None:
    source = tmp_path / "model"
    source.mkdir()
    (source / "model.safetensors").write_bytes(b"fp32 weights")
    FakeExport.writes = 0
    export = FakeExport(source, tmp_path / "cache")
    target = export.ensure()
    assert FakeExport.writes == 1 and export.valid() and export.file_name == "onnx/model_qint8_fake.onnx"
    assert FakeExport(source, tmp_path / "cache").ensure() == target and FakeExport.writes == 1

    (target / export.file_name).write_bytes(b"truncated")  # a corrupt file: its hash no longer matches
    assert not export.valid()
    assert FakeExport(source, tmp_path / "cache").ensure() == target and FakeExport.writes == 2
    assert (target / export.file_name).read_bytes() == b"int8 weights " * 100
    (target / MANIFEST).unlink()  # an export cut short before its manifest was written
    assert FakeExport(source, tmp_path / "cache").ensure() == target and FakeExport.writes == 3
    assert [p.name for p in target.parent.iterdir() if not p.name.endswith(".lock")] == [target.name]  # no leftovers

    (source / "model.safetensors").write_bytes(b"other fp32 weights")  # another model: another export
    assert FakeExport(source, tmp_path / "cache").ensure() != target and FakeExport.writes == 4


def test_each_onnx_backend_has_its_own_export(tmp_path: Path) -> None:
    from rag.embeddings import EmbeddingError

    source = tmp_path / "model"
    source.mkdir()
    (source / "model.safetensors").write_bytes(b"fp32 weights")
    FakeExport.writes = 0
    fp32, int8 = (FakeExport(source, tmp_path / "cache", b).ensure() for b in ("onnx", "onnx-int8"))
    assert fp32.parent.name == "onnx" and int8.parent.name == "onnx-int8" and FakeExport.writes == 2
    assert fp32.name != int8.name  # the quantisation is part of the key
    with pytest.raises(EmbeddingError, match="no ONNX export for backend 'torch'; ONNX backends: onnx, onnx-int8"):
        FakeExport(source, tmp_path / "cache", "torch")


def test_a_failed_export_leaves_nothing_behind(tmp_path: Path) -> None:
    class Failing(OnnxExport):
        def _write(self, folder: Path) -> None:
            (folder / "onnx").mkdir()
            (folder / "onnx" / "partial.onnx").write_bytes(b"half")
            raise OSError("disk full")

    source = tmp_path / "model"
    source.mkdir()
    (source / "config.json").write_text("{}")
    with pytest.raises(OSError, match="disk full"):
        Failing(source, tmp_path / "cache").ensure()
    assert [p.name for p in (tmp_path / "cache" / "onnx-int8").iterdir() if not p.name.endswith(".lock")] == []


def test_only_matmuls_with_weights_are_quantised(tmp_path: Path) -> None:
    """Attention's query-key product has no weights: it stays fp32, the projections around it are quantised."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from rag.embeddings import _quantize

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])
    weights = [numpy_helper.from_array(np.random.default_rng(0).normal(size=(4, 4)).astype(np.float32), name)
               for name in ("wq", "wk")]
    graph = helper.make_graph([
        helper.make_node("MatMul", ["x", "wq"], ["q"], name="query"),
        helper.make_node("MatMul", ["x", "wk"], ["k"], name="key"),
        helper.make_node("Transpose", ["k"], ["kt"], name="t"),
        helper.make_node("MatMul", ["q", "kt"], ["y"], name="scores"),
    ], "attention", [x], [y], weights)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "fp32.onnx"))
    _quantize(tmp_path / "fp32.onnx", tmp_path / "int8.onnx")
    ops = {n.name: n.op_type for n in onnx.load(str(tmp_path / "int8.onnx")).graph.node}
    assert ops["scores"] == "MatMul" and ops["query_quant"] == ops["key_quant"] == "MatMulInteger"


@pytest.mark.slow
def test_the_bf16_backend_agrees_with_torch_fp32(embedder) -> None:  # type: ignore[no-untyped-def]
    """bf16 weights, fp32 vectors within cosine 0.9995 of the fp32 model's (measured 0.99993 and above here)."""
    import torch

    from rag.config import load_settings
    from rag.embeddings import make_embedder

    texts = ["Huawei baut den Ascend 910C.",
             "ByteDance spent two billion dollars on Nvidia chips last year, Reuters said.",
             "Wie viele H20-GPUs will Nvidia in diesem Jahr nach China liefern? " * 20]
    fp32 = embedder if embedder.backend == "torch" else make_embedder(load_settings(embed={"backend": "torch"}).embed)
    bf16 = embedder if embedder.backend == "torch-bf16" else make_embedder(
        load_settings(embed={"backend": "torch-bf16"}).embed)
    assert {p.dtype for p in bf16._model.parameters()} == {torch.bfloat16}
    assert bf16._traced is not None and bf16._mean_pooled  # TorchScript's transformer, pooled in numpy
    vectors = bf16.embed_batch(texts)
    assert vectors.dtype == np.float32
    cosines = np.sum(fp32.embed_batch(texts) * vectors, axis=1)
    assert cosines.min() >= 0.9995, cosines
    assert float(np.linalg.norm(bf16.embed_query(texts[0]))) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_the_traced_transformer_gives_the_eager_modules_token_vectors(embedder) -> None:  # type: ignore[no-untyped-def]
    """TorchScript's trace of the bf16 transformer, made from a two-text example, against the eager module on a
    padded batch of other lengths: the same vectors on every real token."""
    import torch

    from rag.config import load_settings
    from rag.embeddings import TracedTransformer, _padded, make_embedder

    bf16 = embedder if embedder.backend == "torch-bf16" else make_embedder(
        load_settings(embed={"backend": "torch-bf16"}).embed)
    traced = TracedTransformer.of(bf16._model, bf16._tokenizer, bf16._pad_id)
    assert traced is not None and traced.inputs == ("input_ids", "attention_mask", "token_type_ids")
    texts = ["kurz", "Wie viele H20-GPUs will Nvidia in diesem Jahr nach China liefern? " * 8,
             "ByteDance spent two billion dollars on Nvidia chips last year."]
    features = _padded(bf16._tokenizer.encode_batch(texts), bf16._pad_id)
    with torch.inference_mode():
        eager = bf16._model[0]({k: torch.from_numpy(v) for k, v in features.items()})["token_embeddings"]
    mask = features["attention_mask"][..., None]
    assert features["attention_mask"].min() == 0  # padded rows
    assert np.abs((traced(features) - eager.float().numpy()) * mask).max() <= 1e-3


def test_a_model_without_a_transformer_is_not_traced() -> None:
    from rag.embeddings import TracedTransformer

    assert TracedTransformer.of([SimpleNamespace()], None, 0) is None  # e.g. a model of other modules: run eagerly


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "lowest", "attention"), [("onnx", 0.999, "Attention"),
                                                              ("onnx-int8", 0.98, "QAttention")])
def test_the_onnx_backends_agree_with_torch_fp32(embedder, backend: str, lowest: float,  # type: ignore[no-untyped-def]
                                                 attention: str) -> None:
    """The real export (sentence-transformers, offline from the installed model) against the fp32 model: the fused
    fp32 export gives torch's vectors, the int8 one comes close."""
    import onnx as onnx_format

    from rag.config import load_settings
    from rag.embeddings import make_embedder, resolve_model_path

    texts = ["Huawei baut den Ascend 910C.",
             "ByteDance spent two billion dollars on Nvidia chips last year, Reuters said.",
             "Wie viele H20-GPUs will Nvidia in diesem Jahr nach China liefern?",
             "The export rules cover chips made with American tools."]
    torch = embedder if embedder.backend == "torch" else make_embedder(load_settings(embed={"backend": "torch"}).embed)
    onnx = embedder if embedder.backend == backend else make_embedder(load_settings(embed={"backend": backend}).embed)
    cosines = np.sum(torch.embed_batch(texts) * onnx.embed_batch(texts), axis=1)
    assert onnx.dimension == torch.dimension == 384
    assert cosines.min() >= lowest, cosines

    export = OnnxExport(Path(resolve_model_path(onnx.name)), load_settings().embed.export_dir(), backend)
    nodes = [n.op_type for n in onnx_format.load(str(export.ensure() / export.file_name)).graph.node]
    assert nodes.count(attention) == 6  # each layer's attention fused
    quantised = {"MatMulInteger", "DynamicQuantizeLinear"} & set(nodes)
    assert (not quantised and "MatMul" in nodes) if backend == "onnx" else (quantised and "MatMul" not in nodes)
    assert float(np.linalg.norm(onnx.embed_query(texts[0]))) == pytest.approx(1.0, abs=1e-5)


def test_the_vector_cache_encodes_only_what_it_lacks_and_never_loses_a_row() -> None:
    from rag.embeddings import VectorCache

    encoded: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        encoded.append(texts)
        return np.asarray([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    cache: VectorCache[str] = VectorCache(encode, capacity=2, text_of=str, dimension=2)
    assert cache.get([]).shape == (0, 2)
    assert cache.get(["a", "bb"])[:, 0].tolist() == [1.0, 2.0]
    assert cache.get(["bb", "a"])[:, 0].tolist() == [2.0, 1.0] and encoded == [["a", "bb"]]  # both cached
    # more keys than the capacity in one call: every row is returned, only the newest two are kept
    assert cache.get(["a", "ccc", "dddd", "a"])[:, 0].tolist() == [1.0, 3.0, 4.0, 1.0]
    assert encoded[-1] == ["ccc", "dddd"] and list(cache._cache) == ["ccc", "dddd"]
