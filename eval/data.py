"""Reading evaluation inputs: the circular question set and BEIR-style folders.

Every reader fails on the first malformed line with an `EvalInputError` naming the
file and line (Thai first, then English), so a broken label file is never scored
silently. Softer problems (qrels naming documents that are not in the corpus,
queries without any judgement) come back as warnings with counts.

The circular set (`eval/questions.jsonl`) has one question per line:
`{"id", "question", "kind", "gold": [{"doc_no", "part_index", "item"}],
"answer_keywords", "split"}`; unanswerable questions have `"gold": []`.
A BEIR folder holds `corpus.jsonl` (`_id` or `id`, `text`, optional `title`),
`queries.jsonl` (`id` or `_id`, and `question`, `text` or `query`) and
`qrels.tsv` (`query_id <tab> corpus_id <tab> score`, with a header line), all
optionally sharing a prefix such as `test.`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS: tuple[str, ...] = (
    "direct", "paraphrase", "ocr", "copy", "citation", "agency", "reference", "date",
    "unanswerable",
)
SPLITS: tuple[str, ...] = ("dev", "test")
UNANSWERABLE = "unanswerable"


class EvalInputError(ValueError):
    """An input file we refuse; the message names the file (and line) in Thai and English."""


@dataclass(frozen=True)
class Gold:
    """One gold reference: a directive item of a letter, as the index labels it."""

    doc_no: str
    part_index: int
    item: str

    @property
    def key(self) -> str:
        """The synthetic document key used in ranx runs: "doc_no|part_index|item"."""
        return label_key(self.doc_no, self.part_index, self.item)


def label_key(doc_no: str, part_index: int, item: str) -> str:
    return f"{doc_no}|{part_index}|{item}"


@dataclass
class Question:
    id: str
    question: str
    kind: str
    gold: list[Gold]
    split: str
    answer_keywords: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; EvalInputError on a bad line."""
    if not path.is_file():
        raise EvalInputError(f"ไม่พบไฟล์ {path} / {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise EvalInputError(
            f"{path}: ไม่ใช่ UTF-8 / not UTF-8 (byte {error.start})") from None
    records: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalInputError(
                f"{path}:{number}: ไม่ใช่ JSON ที่ถูกต้อง / invalid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise EvalInputError(
                f"{path}:{number}: ต้องเป็นออบเจกต์ JSON / line must be a JSON object")
        records.append((number, record))
    return records


def _gold(value: Any, where: str) -> list[Gold]:
    if not isinstance(value, list):
        raise EvalInputError(f"{where}: 'gold' ต้องเป็นลิสต์ / 'gold' must be a list")
    out: list[Gold] = []
    for entry in value:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("doc_no"), str)
            or not isinstance(entry.get("item"), str)
            or not isinstance(entry.get("part_index", 0), int)
            or isinstance(entry.get("part_index", 0), bool)
        ):
            raise EvalInputError(
                f"{where}: gold ต้องมี doc_no, part_index, item / each gold entry needs "
                f"'doc_no' (text), 'part_index' (integer) and 'item' (text): {entry!r}")
        out.append(Gold(entry["doc_no"], int(entry.get("part_index", 0)), entry["item"]))
    return out


def read_questions(path: Path) -> list[Question]:
    """The circular question set; EvalInputError naming file:line for a malformed line."""
    questions: list[Question] = []
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        question = record.get("question")
        if record.get("id") in (None, "") or not isinstance(question, str) or not question.strip():
            raise EvalInputError(
                f"{where}: ต้องมี id และ question / needs 'id' and a non-empty 'question'")
        keywords = record.get("answer_keywords") or []
        if not isinstance(keywords, list):
            raise EvalInputError(
                f"{where}: answer_keywords ต้องเป็นลิสต์ / 'answer_keywords' must be a list")
        questions.append(Question(
            id=str(record["id"]), question=question, kind=str(record.get("kind") or ""),
            gold=_gold(record.get("gold", []), where), split=str(record.get("split") or ""),
            answer_keywords=[str(k) for k in keywords], line=number,
        ))
    if not questions:
        raise EvalInputError(f"{path}: ไม่มีคำถาม / the question set is empty")
    return questions


def check_questions(questions: list[Question], path: Path | str = "questions") -> list[str]:
    """Problems with the set itself: duplicate ids, unknown kinds, missing splits."""
    problems: list[str] = []
    first: dict[str, int] = {}
    for q in questions:
        where = f"{path}:{q.line}"
        if q.id in first:
            problems.append(f"{where}: รหัสซ้ำ / duplicate id {q.id!r} (first on line {first[q.id]})")
        first.setdefault(q.id, q.line)
        if q.kind not in KINDS:
            problems.append(f"{where}: {q.id}: ไม่รู้จักประเภท / unknown kind {q.kind!r} "
                            f"(known: {', '.join(KINDS)})")
        if q.split not in SPLITS:
            problems.append(f"{where}: {q.id}: ไม่มี split ที่ถูกต้อง / split must be one of "
                            f"{', '.join(SPLITS)}, not {q.split!r}")
        if q.kind == UNANSWERABLE and q.gold:
            problems.append(f"{where}: {q.id}: คำถามที่ตอบไม่ได้ต้องไม่มี gold / an unanswerable "
                            "question must have gold []")
        if q.kind != UNANSWERABLE and q.kind in KINDS and not q.gold:
            problems.append(f"{where}: {q.id}: ไม่มี gold / kind {q.kind!r} needs gold labels "
                            "(use kind 'unanswerable' for questions the corpus cannot answer)")
        if len(set(q.gold)) != len(q.gold):
            problems.append(f"{where}: {q.id}: gold ซ้ำ / repeated gold label")
    splits = Counter(q.split for q in questions)
    for split in SPLITS:
        if not splits.get(split):
            problems.append(f"{path}: ไม่มีคำถามใน split {split} / split {split!r} has no "
                            "questions")
    return problems


def select_split(questions: list[Question], split: str) -> list[Question]:
    return questions if split == "all" else [q for q in questions if q.split == split]


# ----------------------------------------------------------------------- BEIR sets
@dataclass
class BeirSet:
    """A BEIR-style retrieval set read from one folder."""

    name: str
    corpus_path: Path
    queries: list[tuple[str, str]]  # (query id, text), only queries with judgements
    qrels: dict[str, dict[str, int]]
    corpus_size: int
    warnings: list[str] = field(default_factory=list)


def beir_name(folder: Path, prefix: str = "") -> str:
    """"xquad-th" for .../xquad-th/retrieval; "iapp-wiki-qa-test" with prefix "test."."""
    folder = folder.resolve()
    base = folder.parent.name if folder.name == "retrieval" else folder.name
    tag = prefix.strip(".-_ ")
    return f"{base}-{tag}" if tag else base


def read_corpus_ids(path: Path) -> tuple[set[str], list[str]]:
    ids: set[str] = set()
    warnings: list[str] = []
    empty = 0
    for number, record in read_jsonl(path):
        doc_id = record.get("_id", record.get("id"))
        if doc_id in (None, ""):
            raise EvalInputError(f"{path}:{number}: ไม่มี id / missing '_id' or 'id'")
        if not isinstance(record.get("text"), str) or not record["text"].strip():
            empty += 1
        ids.add(str(doc_id))
    if not ids:
        raise EvalInputError(f"{path}: คลังเอกสารว่าง / the corpus is empty")
    if empty:
        warnings.append(f"{path}: {empty} เอกสารไม่มีข้อความ (ไม่ถูกทำดัชนี) / {empty} documents "
                        "have no text and are not indexed")
    return ids, warnings


def read_beir_queries(path: Path) -> list[tuple[str, str]]:
    queries: list[tuple[str, str]] = []
    for number, record in read_jsonl(path):
        query_id = record.get("id", record.get("_id"))
        text = record.get("question", record.get("text", record.get("query")))
        if query_id in (None, "") or not isinstance(text, str) or not text.strip():
            raise EvalInputError(
                f"{path}:{number}: ต้องมี id และ question / needs 'id' and a non-empty "
                "'question' (or 'text' / 'query')")
        queries.append((str(query_id), text))
    return queries


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id -> {document id: relevance}; the header line is recognised and skipped."""
    if not path.is_file():
        raise EvalInputError(f"ไม่พบไฟล์ {path} / {path} does not exist")
    qrels: dict[str, dict[str, int]] = {}
    seen_content = False
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) != 3:
            fields = line.split()
        try:
            if len(fields) != 3:
                raise ValueError
            score = int(fields[2])
        except ValueError:
            if not seen_content:  # the header: query_id / corpus_id / score
                seen_content = True
                continue
            raise EvalInputError(
                f"{path}:{number}: ต้องเป็น query_id<TAB>corpus_id<TAB>score / expected "
                f"'query_id<TAB>corpus_id<TAB>integer score', got {line[:80]!r}") from None
        seen_content = True
        if score > 0:
            qrels.setdefault(fields[0], {})[fields[1]] = score
    return qrels


def read_beir(folder: Path, prefix: str = "", limit: int | None = None) -> BeirSet:
    corpus = folder / f"{prefix}corpus.jsonl"
    corpus_ids, warnings = read_corpus_ids(corpus)
    queries = read_beir_queries(folder / f"{prefix}queries.jsonl")
    qrels = read_qrels(folder / f"{prefix}qrels.tsv")
    missing_docs = sum(1 for docs in qrels.values() for d in docs if d not in corpus_ids)
    if missing_docs:
        warnings.append(
            f"{folder / f'{prefix}qrels.tsv'}: {missing_docs} คู่ใน qrels อ้างถึงเอกสารที่ไม่มีในคลัง / "
            f"{missing_docs} qrels name documents missing from the corpus (they can never be "
            "found)")
    judged = [(qid, text) for qid, text in queries if qid in qrels]
    if len(judged) < len(queries):
        warnings.append(
            f"{len(queries) - len(judged)} คำถามไม่มี qrels จึงไม่นำมาประเมิน / "
            f"{len(queries) - len(judged)} queries have no qrels and are skipped")
    if limit:
        judged = judged[:limit]
    if not judged:
        raise EvalInputError(
            f"{folder}: ไม่มีคำถามที่ประเมินได้ (ไม่มีคำถาม หรือไม่มีคำถามใดมี qrels) / "
            "the query set is empty (no queries, or none has qrels)")
    return BeirSet(
        name=beir_name(folder, prefix), corpus_path=corpus, queries=judged,
        qrels={qid: qrels[qid] for qid, _ in judged}, corpus_size=len(corpus_ids),
        warnings=warnings,
    )
