"""Query expansion by the thesaurus: file reading, token matching, coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.chunker import ParsedFile
from indexer.thai_tokens import tokenize
from retriever.idf import Idf
from retriever.terms import coverage, question_terms
from retriever.thesaurus import DEFAULT_PATH, Thesaurus, ThesaurusError


def _thesaurus(tmp_path: Path, text: str) -> Thesaurus:
    path = tmp_path / "thesaurus.tsv"
    path.write_text(text, encoding="utf-8")
    return Thesaurus.load(path)


def test_an_everyday_word_expands_to_the_official_words(tmp_path: Path) -> None:
    thesaurus = _thesaurus(tmp_path, "# flood\nน้ำท่วม\tอุทกภัย|ภัยพิบัติ\n")
    tokens = tokenize("ช่วงน้ำท่วมต้องทำอะไร")
    assert thesaurus.expansion_tokens(tokens) == ["อุทกภัย", "ภัยพิบัติ"]


def test_an_abbreviation_with_its_dot_matches(tmp_path: Path) -> None:
    thesaurus = _thesaurus(tmp_path, "อปท.\tองค์กรปกครองส่วนท้องถิ่น\n")
    assert "องค์กรปกครองส่วนท้องถิ่น" in thesaurus.expansion_tokens(tokenize("อปท. ต้องรายงานภายในเมื่อไร"))


def test_matching_is_by_whole_tokens_not_substrings(tmp_path: Path) -> None:
    # หมอก (fog, haze) starts with หมอ (doctor); only the word หมอ may expand.
    thesaurus = _thesaurus(tmp_path, "หมอ\tแพทย์\n")
    assert thesaurus.expansion_tokens(tokenize("ปัญหาหมอกควันภาคเหนือ")) == []
    assert thesaurus.expansion_tokens(tokenize("หมอประจำตำบล")) == ["แพทย์"]


def test_the_longest_wording_wins_and_tokens_already_asked_are_not_added() -> None:
    thesaurus = Thesaurus({("นายก", "อบต"): [("ผู้บริหาร",)], ("อบต",): [("ท้องถิ่น",)],
                           ("ประชุม",): [("ประชุม", "หารือ")]})
    assert thesaurus.expansion_tokens(["นายก", "อบต", "ประชุม"]) == ["ผู้บริหาร", "หารือ"]
    assert thesaurus.expansion_tokens(["อบต", "นายก"]) == ["ท้องถิ่น"]


def test_a_malformed_line_names_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ThesaurusError, match=r"thesaurus.tsv:2"):
        _thesaurus(tmp_path, "น้ำท่วม\tอุทกภัย\nไม่มีแท็บ\n")


def test_a_term_counts_as_covered_by_its_official_wording(tmp_path: Path) -> None:
    thesaurus = _thesaurus(tmp_path, "น้ำท่วม\tอุทกภัย\n")
    question = "รับมือน้ำท่วมอย่างไร"
    passage = frozenset(tokenize("ให้จังหวัดเตรียมการรับมือสถานการณ์อุทกภัย"))
    terms = question_terms(question)
    idf = Idf({"อุทกภัย": 3, "รับมือ": 10}, 282)
    plain = coverage(terms, passage, idf)
    expanded = coverage(terms, passage, idf, thesaurus.alternatives(tokenize(question)))
    assert plain < expanded == pytest.approx(1.0)


def test_the_bundled_thesaurus_maps_only_to_words_of_the_circulars(
        seeds: dict[str, ParsedFile]) -> None:
    # An official wording the circulars never use expands nothing in BM25 and covers
    # nothing in word overlap: a dead entry, most likely misspelt.
    # All of a wording's tokens in one passage, as word overlap needs them (BM25 and
    # overlap read token sets; newmm may segment a phrase differently in context).
    passages = [frozenset(tokenize(chunk.index_text))
                for parsed in seeds.values() for chunk in parsed.chunks]
    thesaurus = Thesaurus.load(DEFAULT_PATH)
    assert len(thesaurus) >= 100
    wordings = {official for officials in thesaurus.entries().values() for official in officials}
    unused = [" ".join(official) for official in wordings
              if not any(set(official) <= passage for passage in passages)]
    assert unused == []
    assert "อุทกภัย" in thesaurus.expansion_tokens(tokenize("น้ำท่วมหนัก"))


def test_expansions_show_the_wordings_as_written(tmp_path: Path) -> None:
    thesaurus = _thesaurus(tmp_path, "video conference\tวีดิทัศน์ทางไกล\nอปท.\tองค์กรปกครองส่วนท้องถิ่น\n")
    assert thesaurus.expansions(tokenize("อปท. ประชุมผ่าน Video Conference")) == [
        ("อปท", ["องค์กรปกครองส่วนท้องถิ่น"]), ("video conference", ["วีดิทัศน์ทางไกล"])]
