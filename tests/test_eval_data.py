"""Evaluation inputs: malformed lines name file:line, odd qrels warn, empty sets fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.data import (
    EvalInputError,
    beir_name,
    check_questions,
    read_beir,
    read_qrels,
    read_questions,
)
from tests.conftest import ROOT

GOOD = {"id": "q1", "question": "น้ำท่วมต้องทำอย่างไร", "kind": "direct",
        "gold": [{"doc_no": "มท 1", "part_index": 0, "item": "3"}], "split": "dev"}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def beir_folder(tmp_path: Path, corpus: list[str] | None = None,
                queries: list[str] | None = None, qrels: list[str] | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    write_lines(tmp_path / "corpus.jsonl", corpus if corpus is not None else [
        json.dumps({"_id": "d1", "title": "t", "text": "ข้อความหนึ่ง"}),
        json.dumps({"_id": "d2", "text": "ข้อความสอง"}),
    ])
    write_lines(tmp_path / "queries.jsonl", queries if queries is not None else [
        json.dumps({"_id": "a", "text": "หนึ่ง"}), json.dumps({"id": "b", "question": "สอง"}),
        json.dumps({"id": "c", "question": "ไม่มี qrels"}),
    ])
    write_lines(tmp_path / "qrels.tsv", qrels if qrels is not None else [
        "query_id\tcorpus_id\tscore", "a\td1\t1", "b\td2\t1", "b\td9\t1", "z\td1\t1",
    ])
    return tmp_path


def test_real_question_set_reads_and_checks_clean() -> None:
    questions = read_questions(ROOT / "eval" / "questions.jsonl")
    assert len(questions) >= 100
    assert check_questions(questions) == []


@pytest.mark.parametrize("bad", [
    "{oops", "[1, 2]", json.dumps({"id": "x", "question": "  ", "kind": "direct"}),
    json.dumps({**GOOD, "gold": [{"doc_no": "มท 1", "item": 3}]}),
    json.dumps({**GOOD, "gold": "มท 1 ข้อ 3"}),
])
def test_malformed_question_line_names_file_and_line(tmp_path: Path, bad: str) -> None:
    path = write_lines(tmp_path / "q.jsonl", [json.dumps(GOOD), "", bad])
    with pytest.raises(EvalInputError, match=r"q\.jsonl:3: "):
        read_questions(path)


def test_question_set_checks(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD),
        json.dumps({**GOOD, "split": "test"}),  # duplicate id
        json.dumps({**GOOD, "id": "q3", "kind": "guess"}),
        json.dumps({**GOOD, "id": "q4", "split": "train"}),
        json.dumps({**GOOD, "id": "q5", "kind": "unanswerable"}),
        json.dumps({**GOOD, "id": "q6", "gold": []}),
    ]
    problems = "\n".join(check_questions(read_questions(write_lines(tmp_path / "q.jsonl", lines)),
                                         "q.jsonl"))
    assert "q.jsonl:2: รหัสซ้ำ / duplicate id 'q1' (first on line 1)" in problems
    assert "unknown kind 'guess'" in problems
    assert "split must be one of dev, test, not 'train'" in problems
    assert "q5: คำถามที่ตอบไม่ได้ต้องไม่มี gold" in problems
    assert "q6: ไม่มี gold" in problems
    only_dev = check_questions(read_questions(write_lines(tmp_path / "d.jsonl",
                                                          [json.dumps(GOOD)])))
    assert any("split 'test' has no questions" in p for p in only_dev)


def test_empty_question_set_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="empty"):
        read_questions(write_lines(tmp_path / "q.jsonl", ["", "  "]))
    with pytest.raises(EvalInputError, match="does not exist"):
        read_questions(tmp_path / "missing.jsonl")


def test_beir_set_reads_with_warnings(tmp_path: Path) -> None:
    data = read_beir(beir_folder(tmp_path / "set" / "retrieval"))
    assert data.name == "set"
    assert data.queries == [("a", "หนึ่ง"), ("b", "สอง")]
    assert data.qrels == {"a": {"d1": 1}, "b": {"d2": 1, "d9": 1}}
    warnings = "\n".join(data.warnings)
    assert "1 qrels name documents missing from the corpus" in warnings
    assert "1 queries have no qrels" in warnings
    assert read_beir(tmp_path / "set" / "retrieval", limit=1).queries == [("a", "หนึ่ง")]


def test_beir_names() -> None:
    assert beir_name(Path("/x/xquad-th/retrieval")) == "xquad-th"
    assert beir_name(Path("/x/iapp-wiki-qa/retrieval"), "test.") == "iapp-wiki-qa-test"
    assert beir_name(Path("/x/mine")) == "mine"


@pytest.mark.parametrize(("which", "lines", "where"), [
    ("corpus", [json.dumps({"_id": "d1", "text": "x"}), "{bad json"], "corpus.jsonl:2"),
    ("corpus", [json.dumps({"text": "no id"})], "corpus.jsonl:1"),
    ("queries", [json.dumps({"id": "a", "text": "x"}), json.dumps({"id": "b"})],
     "queries.jsonl:2"),
    ("qrels", ["query_id\tcorpus_id\tscore", "a\td1\t1", "a d1"], "qrels.tsv:3"),
    ("qrels", ["query_id\tcorpus_id\tscore", "a\td1\tone"], "qrels.tsv:2"),
])
def test_malformed_beir_lines_name_file_and_line(tmp_path: Path, which: str, lines: list[str],
                                                 where: str) -> None:
    folder = beir_folder(tmp_path, **{which: lines})
    with pytest.raises(EvalInputError, match=where.replace(".", r"\.")):
        read_beir(folder)


def test_empty_beir_query_set_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="the query set is empty"):
        read_beir(beir_folder(tmp_path, queries=[]))
    with pytest.raises(EvalInputError, match="the query set is empty"):
        read_beir(beir_folder(tmp_path, qrels=["query_id\tcorpus_id\tscore"]))


def test_qrels_header_is_optional_and_zero_scores_are_not_relevant(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "qrels.tsv", ["a\td1\t1", "a\td2\t0", "b d3 2"])
    assert read_qrels(path) == {"a": {"d1": 1}, "b": {"d3": 2}}
