"""The indexing benchmark runs end to end on a small scale size and prints its table.

Speed targets are read from the benchmark's output by a person, never asserted here;
this only keeps the script working (a benchmark nobody can run measures nothing).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from circulars.settings import PROJECT_ROOT, Settings
from tests.conftest import shared_data


def _load_script() -> Any:
    # A script, not a package module: loaded from its file, leaving sys.path alone.
    spec = importlib.util.spec_from_file_location(
        "bench_index", PROJECT_ROOT / "scripts" / "bench_index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_index = _load_script()


@pytest.mark.data
@pytest.mark.integration
def test_scale_table_builds_searches_and_prints(real_embedder: Any,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    shared_data("thaigov-moi")
    bench_index.scale_table(Settings(max_file_bytes=1 << 30), real_embedder, [300],
                            incremental=True, records_per_file=20)
    table = capsys.readouterr().out
    header, _, row = table.strip().splitlines()[-3:]
    assert "hybrid p50/p95 ms" in header and "searcher RSS MB" in header
    cells = dict(zip(header.strip("|").split("|"), row.strip("|").split("|"), strict=True))
    cells = {name.strip(): value.strip() for name, value in cells.items()}
    assert int(cells["chunks"].replace(",", "")) >= 300 and cells["faiss"] == "flat"
    total, parts = cells["add 1 file s (parse / faiss / bm25)"].split(" (")
    assert float(total) >= 0 and len(parts.rstrip(")").split(" / ")) == 3
    for mode in ("hybrid", "dense", "bm25"):
        p50, p95 = (float(v) for v in cells[f"{mode} p50/p95 ms"].split(" / "))
        assert 0 < p50 <= p95


def test_synthetic_passages_are_unit_float32() -> None:
    class Real:
        model_name, dimension, query_prompt, passage_prompt, max_tokens = "m", 8, "q", "p", 9

    vectors = bench_index.SyntheticPassages(Real()).encode_passages(["ก"] * 5)
    assert vectors.dtype.name == "float32" and vectors.shape == (5, 8)
    assert abs(float((vectors**2).sum(axis=1).max()) - 1.0) < 1e-5
