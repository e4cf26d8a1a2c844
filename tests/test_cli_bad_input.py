"""`circulars search` and `circulars index` given bad input: a missing or binary queries
file, bad batch lines, -k and dates the API would refuse, flags that do not go together,
and a corpus folder with broken and unsupported files. Each is refused (exit 2) with a
Thai and an English message before the model loads, and leaves no partial output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import circulars.cli
from circulars.arguments import MAX_K
from circulars.cli import main
from indexer.build import build_index
from retriever.search import Searcher
from tests.conftest import ROOT, SEED_FILES
from tests.fakes import HashEmbedder
from tests.test_service_helpers import build_seed_index

QUESTION = "มท 0211.6/ว 10303 ข้อ 3.6"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_index(tmp_path_factory.mktemp("cli-bad-input-index"))


@pytest.fixture()
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad input must be refused before the (slow) model loads."""
    def refuse(settings: Any) -> None:
        raise AssertionError("the model was loaded for input that should be refused")
    monkeypatch.setattr(circulars.cli, "load_embedder_for", refuse)


@pytest.fixture()
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(circulars.cli, "load_embedder_for", lambda settings: HashEmbedder())


def run(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as stop:  # argparse's own refusals
        return int(stop.code or 0)


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The stderr of a command line that must exit 2, checked for Thai and English."""
    code = run(*argv)
    err = capsys.readouterr().err
    assert code == 2, (argv, err)
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in err), err
    assert " / " in err and "Traceback" not in err, err
    return err


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def query_line(query_id: Any, question: str) -> str:
    return json.dumps({"id": query_id, "question": question}, ensure_ascii=False)


# --------------------------------------------------------------- batch files
def test_missing_queries_file_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       no_model: None) -> None:
    missing = tmp_path / "nope.jsonl"
    err = refused(capsys, "search", "--queries", str(missing), "--out", str(tmp_path / "x.jsonl"))
    assert str(missing) in err and "does not exist" in err and "ไม่พบ" in err
    assert not (tmp_path / "x.jsonl").exists()


def test_missing_queries_file_from_the_real_entry_point(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    done = subprocess.run([sys.executable, "-m", "circulars.cli", "search", "--queries",
                           str(missing)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and str(missing) in done.stderr


def test_out_in_a_missing_folder_is_refused_before_searching(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, no_model: None) -> None:
    queries = write_lines(tmp_path / "q.jsonl", query_line("1", QUESTION))
    out = tmp_path / "no-such-dir" / "run.jsonl"
    err = refused(capsys, "search", "--queries", str(queries), "--out", str(out))
    assert str(out) in err and "does not exist" in err
    err = refused(capsys, "search", "--queries", str(queries), "--out", str(tmp_path))
    assert "is a folder" in err


def test_every_bad_line_is_reported_before_any_search(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, no_model: None) -> None:
    queries = write_lines(
        tmp_path / "q.jsonl",
        query_line("1", QUESTION),
        query_line("2", ""),
        query_line("3", " \u200b\t "),
        "not json",
        json.dumps({"question": QUESTION}),
        json.dumps({"id": "6"}),
        "[1, 2]",
        query_line("8", "ก" * 2_001),
        query_line("9", QUESTION),
    )
    out = tmp_path / "RUN.jsonl"
    err = refused(capsys, "search", "--queries", str(queries), "--out", str(out))
    for line, english in [(2, "the query is empty"), (3, "the query is empty"),
                          (4, "invalid JSON"), (5, "missing 'id'"), (6, "needs 'question'"),
                          (7, "must be a JSON object"), (8, "longer than 2,000")]:
        assert f"{queries}:{line}: " in err and english in err, (line, err)
    assert f"{queries}:1:" not in err and f"{queries}:9:" not in err
    assert "7 bad line(s)" in err and "กรุณาพิมพ์คำถาม" in err
    assert not out.exists() and list(tmp_path.iterdir()) == [queries]


def test_duplicate_ids_name_both_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       no_model: None) -> None:
    queries = write_lines(tmp_path / "q.jsonl", query_line("a", QUESTION), "",
                          query_line("b", QUESTION), query_line("a", "ภาษี"))
    err = refused(capsys, "search", "--queries", str(queries))
    assert f"{queries}:4:" in err and "duplicate id 'a', also on line 1" in err
    assert "ซ้ำกับบรรทัด 1" in err


def test_binary_queries_file_names_the_file_and_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, no_model: None) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_bytes(query_line("1", QUESTION).encode() + b"\n\x00\xf0\x28\x8c\xbc")
    err = refused(capsys, "search", "--queries", str(queries))
    assert f"{queries}:2:" in err and "not UTF-8" in err and "codec" not in err


def test_batch_writes_the_whole_file(tmp_path: Path, index_dir: Path, fake_model: None) -> None:
    # A byte-order mark from a Windows editor is not a bad line.
    queries = tmp_path / "q.jsonl"
    queries.write_text("\ufeff" + query_line("1", QUESTION) + "\n"
                       + json.dumps({"id": 2, "query": "ภาษี"}) + "\n", encoding="utf-8")
    out = tmp_path / "RUN.jsonl"
    assert run("search", "--index", str(index_dir), "--queries", str(queries),
               "--out", str(out), "-k", "3") == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["1", "2"]
    assert all(len(line["results"]) == 3 for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RUN.jsonl", "q.jsonl"]


def test_an_interrupted_batch_leaves_the_old_output(tmp_path: Path, index_dir: Path,
                                                    fake_model: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    queries = write_lines(tmp_path / "q.jsonl", query_line("1", QUESTION),
                          query_line("2", "ภาษี"))
    out = tmp_path / "RUN.jsonl"
    out.write_text("old run\n", encoding="utf-8")
    search = Searcher.search
    calls: list[str] = []

    def interrupted(self: Searcher, query: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(query)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return search(self, query, *args, **kwargs)

    monkeypatch.setattr(Searcher, "search", interrupted)
    with pytest.raises(KeyboardInterrupt):
        main(["search", "--index", str(index_dir), "--queries", str(queries), "--out", str(out)])
    assert out.read_text(encoding="utf-8") == "old run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RUN.jsonl", "q.jsonl"]


# --------------------------------------------------------------------- flags
@pytest.mark.parametrize("k", ["0", "-5", str(MAX_K + 1), "1000", "ห้า"])
def test_k_outside_the_api_range_is_refused(capsys: pytest.CaptureFixture[str], k: str,
                                            no_model: None) -> None:
    err = refused(capsys, "search", QUESTION, "-k", k)
    assert f"from 1 to {MAX_K}" in err and "-k" in err


@pytest.mark.parametrize("flag", ["--date-from", "--date-to"])
@pytest.mark.parametrize("value", ["2025-13-01", "2025-02-30", "24/10/2567", "yesterday"])
def test_bad_dates_name_the_option_and_format(capsys: pytest.CaptureFixture[str], flag: str,
                                              value: str, no_model: None) -> None:
    err = refused(capsys, "search", QUESTION, flag, value)
    assert flag in err and "YYYY-MM-DD" in err and "ปปปป-ดด-วว" in err
    assert "month must be" not in err


@pytest.mark.parametrize(("command", "flag", "limit"), [
    ("search", "--issuer", 200), ("ask", "--doc-no-prefix", 100), ("search", "--source", 300)])
def test_over_long_filters_are_refused_as_the_api_refuses_them(
        capsys: pytest.CaptureFixture[str], command: str, flag: str, limit: int,
        no_model: None) -> None:
    err = refused(capsys, command, QUESTION, flag, "ก" * (limit + 1))
    assert flag in err and f"at most {limit} characters" in err


def test_blank_filters_filter_nothing(index_dir: Path, fake_model: None,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run("search", QUESTION, "--index", str(index_dir), "--json",
               "--issuer", "  ", "--doc-no-prefix", " ") == 0
    assert json.loads(capsys.readouterr().out)


def test_reversed_dates_are_refused(capsys: pytest.CaptureFixture[str], no_model: None) -> None:
    err = refused(capsys, "search", QUESTION, "--date-from", "2025-01-01",
                  "--date-to", "2024-01-01")
    assert "--date-from is after --date-to" in err


def test_a_query_and_queries_together_are_refused(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path, no_model: None) -> None:
    queries = write_lines(tmp_path / "q.jsonl", query_line("1", QUESTION))
    err = refused(capsys, "search", QUESTION, "--queries", str(queries))
    assert "not both" in err
    err = refused(capsys, "search", QUESTION, "--out", str(tmp_path / "x.jsonl"))
    assert "--out needs --queries" in err


def test_an_empty_query_is_refused(capsys: pytest.CaptureFixture[str], no_model: None) -> None:
    assert "the query is empty" in refused(capsys, "search", "  ")


# --------------------------------------------------------------------- index
def test_index_counts_each_file_once_and_lists_unsupported_ones(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_model: None) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILES[0], corpus)
    write_lines(corpus / "bad.jsonl", json.dumps({"id": "a", "text": "การป้องกันยาเสพติด"}),
                "not json", json.dumps({"id": "b"}))
    write_lines(corpus / "allbad.jsonl", "not json")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "ignored.xlsx").write_bytes(b"PK\x03\x04")
    (corpus / ".hidden").mkdir()
    (corpus / ".hidden" / "tool.bin").write_bytes(b"x")
    index = tmp_path / "index"
    assert run("index", str(corpus), "--index", str(index), "--quiet") == 0
    out, err = capsys.readouterr()
    assert "files 2 parsed, 0 unchanged, 0 removed, 2 failed, 1 skipped;" in out
    assert "bad.jsonl:2:" in out and "bad.jsonl:3:" in out and "allbad.jsonl:1:" in out
    assert "ข้าม / skipped: ignored.xlsx" in err and "unsupported type" in err
    assert "allbad.jsonl" in err and "empty.txt" in err and "tool.bin" not in err
    # Unchanged, the next run says so and still names the file it does not read.
    assert run("index", str(corpus), "--index", str(index), "--quiet") == 0
    out, err = capsys.readouterr()
    assert "up to date" in out and "ignored.xlsx" in err


def test_build_report_partitions_the_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILES[0], corpus)
    write_lines(corpus / "allbad.jsonl", "not json")
    (corpus / "notes.xlsx").write_bytes(b"PK")
    from circulars.settings import Settings

    settings = Settings(index_dir=tmp_path / "index")
    report = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    assert report.files_parsed == [SEED_FILES[0].name]
    assert [f.split(":")[0] for f in report.failures] == ["allbad.jsonl"]
    assert report.files_skipped == ["notes.xlsx"]
    assert "allbad.jsonl" not in report.coverage


def test_index_of_a_missing_path_is_refused_before_the_model_loads(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, no_model: None) -> None:
    err = refused(capsys, "index", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert "does not exist" in err


# ------------------------------------------------------------------ Makefile
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_takes_a_port() -> None:
    def serve_line(*args: str) -> str:
        done = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, check=True)
        return next(line for line in done.stdout.splitlines() if "circulars serve" in line)

    assert serve_line().endswith("--port 8000")
    assert serve_line("PORT=8765", "HOST=0.0.0.0").endswith("--host 0.0.0.0 --port 8765")


# ---------------------------------------------------------------------- show
def test_show_finds_a_letter_by_its_running_number(
        capsys: pytest.CaptureFixture[str], index_dir: Path) -> None:
    for number in ("ว 10303", "ว ๑๐๓๐๓", "มท 0211.6/ว 10303"):
        assert run("show", "--index", str(index_dir), number, "--json") == 0, number
        shown = json.loads(capsys.readouterr().out)
        assert [letter["doc_no"] for letter in shown] == ["มท 0211.6/ว 10303"], number
    refused(capsys, "show", "--index", str(index_dir), "ว 99999")


def test_search_prints_why_hits_may_not_answer(
        capsys: pytest.CaptureFixture[str], index_dir: Path, fake_model: None) -> None:
    assert run("search", "--index", str(index_dir), "มท 0211.6/ว 10303 ข้อ 99", "-k", "3") == 0
    err = capsys.readouterr().err
    assert "หมายเหตุ / note: หนังสือ มท 0211.6/ว 10303 ไม่มีข้อ 99" in err and "has no item 99" in err
    assert run("search", "--index", str(index_dir), QUESTION, "-k", "3") == 0
    assert "note" not in capsys.readouterr().err


@pytest.mark.parametrize("k", ["20", "1"])  # more than the write buffer holds, and less
def test_a_reader_that_stops_early_ends_the_search_quietly(
        index_dir: Path, fake_model: None, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str], k: str) -> None:
    """`circulars search ... --json | head -1`: exit 141 as a shell reports SIGPIPE, with
    no traceback, and stdout left pointing somewhere harmless."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    saved = os.dup(1)
    try:
        with open(write_end, "w", encoding="utf-8", closefd=True) as closed_pipe:
            monkeypatch.setattr(sys, "stdout", closed_pipe)
            os.dup2(write_end, 1)
            code = run("search", "ยาเสพติด", "--index", str(index_dir), "--json", "-k", k)
            assert code == 141
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipeError" not in err
