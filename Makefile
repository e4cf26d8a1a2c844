# Two entry points, both from a fresh clone: `make run` (set up, build the index
# from corpus/ when missing or stale, serve the API and UI on 127.0.0.1:8000) and
# `make test` (set up, lint, type-check, test). `make run PORT=8765 HOST=0.0.0.0`
# serves elsewhere.
PYTHON ?= python3.11
# CIRCULARS_HOST / CIRCULARS_PORT in the environment still count, as for `circulars serve`.
HOST ?= $(or $(CIRCULARS_HOST),127.0.0.1)
PORT ?= $(or $(CIRCULARS_PORT),8000)
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHAINLP_OFFLINE := 1

.PHONY: run test setup index lint typecheck unit bench clean

$(BIN)/circulars: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# The pinned CPU torch first: an unpinned one pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(BIN)/circulars

setup: $(BIN)/circulars

index: setup
	$(BIN)/circulars index

run: index
	$(BIN)/circulars serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python scripts/bench_index.py
	$(BIN)/python scripts/bench_service.py --serve

clean:
	rm -rf .index $(VENV)
