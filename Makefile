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

.PHONY: install install-eval install-dev system-packages serve ingest test quick eval bench check soak clean

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

# The fast lane: unit tests with fakes and the embedded store; no servers, no real LLM, no real models.
quick: install-dev
	$(BIN)/python -m pytest -m "not slow" -q -p no:cacheprovider

# Every eval set on its test split (evals/sets/splits.yaml), each over its own corpus (evals/corpora/<set>/, the
# seed set over documents/), extractive answers (--llm none): the tiny local LLM takes minutes per answer on a
# loaded machine; run `python -m evals.runner SET --llm llamacpp --limit N` to measure the generated mode. The
# haystack run comes first so that reports/summary.md, written after the last set, lists it too.
EVAL_SETS := evals/sets/seed.yaml evals/sets/debian-reference.yaml evals/sets/manpages-de.yaml \
	evals/sets/developers-reference.yaml
eval: install-eval system-packages
	$(BIN)/python -m evals.runner evals/sets/seed.yaml --llm none --haystack --out reports/haystack
	$(BIN)/python -m evals.runner $(EVAL_SETS) --split test --llm none --out reports

bench: install-eval
	$(BIN)/python -m benchmarks.run --out bench-results

check: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

soak: install-dev
	$(BIN)/python -m tests.soak

clean:
	rm -rf $(VENV) .data reports bench-results
