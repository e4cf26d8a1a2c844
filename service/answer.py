"""Grounded answers: retrieve, check relevance, generate or extract, verify citations.

    answer_question(searcher, question, k=5, filters=None, generator=None, min_score=None)

reads top to bottom:

0. A question about a named letter as a whole ("สรุปหนังสือ ว 10303") is answered with
   the letter's outline (`service.overview`), one comparing two named letters ("ว 469
   กับ ว 339 ต่างกันอย่างไร") with what they share and what each has alone
   (`service.compare`), one about which letters are held
   ("มีหนังสือเวียนอะไรบ้าง", "ฉบับไหนเก่าที่สุด") with the list of them
   (`service.inventory`), an item named without its letter ("ข้อ 3.6 ว่าอย่างไร") with
   that item of each letter (`service.items`): their passages replace search hits, and
   the composed answer stands even with a generator configured (`_letter_answer`).
1. Retrieve the top k passages (hybrid search; relayed copies already merged).
2. If `relevance()` of the passages is below `min_score` (default
   `DEFAULT_MIN_SCORE`), answer `NOT_FOUND_TEXT` with `not_found=True` and no
   citation, rather than stitching unrelated text together.
3. With a generator: build the prompt (`service.prompt`), generate within the
   generator's timeout, then keep only the [n] markers that name a given passage
   (`service.markers`). Removed markers are reported in `warnings`; a timeout, an
   error, an answer that is empty or only punctuation once its markers are gone, or
   one left with no valid marker is reported there too, and the extractive answer
   is used instead. A generated answer stating `NOT_FOUND_TEXT` is a not-found
   answer, whatever else it says or cites (see `_generated`).
4. Without one, or on fallback: the extractive answer (`service.extractive`).

`notes` are warnings the caller already has (e.g. the configured generator could
not be loaded); they come first in the answer's `warnings`, then the search's own
notes (`retriever.notes`: a cited letter or item the index lacks, no searchable word,
filters that exclude everything).

Citations are built only from the passages that were given, by marker number, so
an answer can never cite a letter or item it was not shown. Query errors
(`retriever.query.QueryError`, an unknown mode) propagate to the caller.

Threshold. `relevance()` (`service.relevance`) is the IDF-weighted share of the
question's content terms found in the best of the top passages (for a question
asking how much money, the best of those stating an amount), or 1.0 when the
embedding model puts the top passage, or one sentence of the top two, very close
to the question: 0..1, comparable across questions. The sentence check is the
slow part (it embeds those sentences), so it runs only when word overlap is
below the threshold. `DEFAULT_MIN_SCORE` was set on the first 67 dev
questions of eval/questions.jsonl over the seed index with the default model
(`circulars eval --tune-threshold`): the highest balanced accuracy that refuses
at most 15% of the answerable questions. With all 91 answerable and 11
unanswerable dev questions, both closeness rules and the sentence vectors in dense
search, 7 answerable ones (7.7%) are refused at 0.33 and 2 unanswerable ones
answered.

The sweep puts its optimum higher (0.63 before the sentence rule, 0.805 with it):
on dev that refuses no more answerable questions, since none lies between 0.35 and
the optimum there, and it answers no unanswerable one. It is not used. Such a floor
refused plain questions the circulars answer: "น้ำท่วมต้องเตรียมรับมืออย่างไร" (word
overlap 0.43, closest sentence 0.888) and "ฝุ่นละอองขนาดเล็ก PM2.5" (0.49, 0.876)
from the service's own tests. At 0.63, 21.7% of answerable test questions were
refused, against 12.4% at 0.33; that is a test-set reading, reported as such. A
refused answer still shows the passages, but without a quoted answer or its
citations.
"""

from __future__ import annotations

from collections.abc import Sequence

from circulars.models import Answer, Hit
from retriever.notes import query_notes
from retriever.query import validate_query
from retriever.search import Filters, Searcher
from service.citations import citation_for
from service.compare import letters_compared
from service.extractive import extractive_answer
from service.generators import DEFAULT_TIMEOUT, Generator
from service.inventory import letter_inventory
from service.items import item_everywhere
from service.letter_facts import header_facts
from service.lists import list_passages
from service.markers import check_markers, has_content, states_not_found
from service.overview import LetterAnswer, letter_overview
from service.prompt import NOT_FOUND_TEXT, build_prompt
from service.relevance import excluding_requirements, relevance

__all__ = ["DEFAULT_MIN_SCORE", "EXTRACTIVE", "NOT_FOUND_TEXT", "Generator", "answer",
           "answer_question", "relevance"]

DEFAULT_MIN_SCORE = 0.33
EXTRACTIVE = "extractive"
MAX_GENERATED_CHARS = 4_000


def answer_question(searcher: Searcher, question: str, k: int = 5,
                    filters: Filters | None = None, generator: Generator | None = None,
                    min_score: float | None = None) -> Answer:
    """A grounded Thai answer to `question` from the index behind `searcher`."""
    return answer(searcher, question, k=k, filters=filters, generator=generator,
                  min_score=min_score)


def answer(searcher: Searcher, question: str, *, k: int = 5, filters: Filters | None = None,
           generator: Generator | None = None, min_score: float | None = None,
           mode: str = "hybrid", notes: Sequence[str] = ()) -> Answer:
    """`answer_question` with the retrieval mode (the UI's power-user setting) and the
    caller's `notes` (warnings it already has) as well; a passage it cites from a
    scanned file is noted as read by OCR."""
    given = _answer(searcher, question, k=k, filters=filters, generator=generator,
                    min_score=min_score, mode=mode, notes=notes)
    scanned = sorted({c.source for c in given.citations} & searcher.scanned_sources)
    given.warnings.extend(
        f"{source}: อ่านจากภาพสแกนด้วย OCR ข้อความ เลขที่และวันที่อาจคลาดเคลื่อน "
        f"ตรวจกับต้นฉบับ / read from a scan by OCR: check its text, numbers and dates "
        f"against the original" for source in scanned)
    return given


def _answer(searcher: Searcher, question: str, *, k: int, filters: Filters | None,
            generator: Generator | None, min_score: float | None, mode: str,
            notes: Sequence[str]) -> Answer:
    # Refused here as search would refuse it (too long, unencodable), before the
    # letter-level answers read it.
    validate_query(question, searcher.settings.max_query_chars)
    composed = (letter_overview(searcher, question, filters)
                or letters_compared(searcher, question, filters)
                or letter_inventory(searcher, question, filters)
                or item_everywhere(searcher, question, filters))
    if composed is not None:
        return _letter_answer(question, composed, list(notes))
    notes = [*notes, *query_notes(searcher, question, filters)]
    hits = searcher.search(question, k=k, mode=mode, filters=filters)
    threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
    score = relevance(searcher, question, hits, enough=threshold)
    if not hits or score < threshold:
        return Answer(question, NOT_FOUND_TEXT, [], hits, EXTRACTIVE, not_found=True, warnings=[
            *notes, _not_relevant_note(question, hits, score, threshold)])
    warnings = list(notes)
    hits = list_passages(searcher, question, hits) or hits
    if generator is not None:
        generated = _generated(generator, question, hits, header_facts(searcher, hits),
                               warnings)
        if generated is not None:
            return generated
    text, markers = extractive_answer(searcher, question, hits)
    return Answer(question, text, [citation_for(m, hits[m - 1]) for m in markers], hits,
                  EXTRACTIVE, warnings=warnings)


def _letter_answer(question: str, composed: LetterAnswer, notes: list[str]) -> Answer:
    """An answer about the letters themselves (a named letter's outline, the letters
    held, an item of each letter), as composed, with or without a generator: its
    structure (every item, every letter, each cited) is the answer, and a model asked
    to summarise some twenty passages within its token budget could only shorten it.
    Search's notes ("no searchable word") do not apply: nothing was searched."""
    if not composed.passages:
        return Answer(question, NOT_FOUND_TEXT, [], [], EXTRACTIVE, not_found=True, warnings=[
            *notes, "ไม่มีหนังสือในระบบที่ตรงกับที่ถาม (ปี ผู้ออกหนังสือ หรือตัวกรอง) / no letter "
            "in the index matches the question (its year, issuer or filters)"])
    citations = [citation_for(m, composed.passages[m - 1]) for m in composed.markers]
    return Answer(question, composed.text, citations, composed.passages, EXTRACTIVE,
                  warnings=notes)


def _not_relevant_note(question: str, hits: list[Hit], score: float,
                       threshold: float) -> str:
    note = (f"ไม่มีข้อความที่เกี่ยวข้องพอ / nothing relevant enough: relevance {score:.3f} "
            f"< min_score {threshold:.3f}")
    for requirement in excluding_requirements(question, hits):
        note += f"; {requirement.thai} / {requirement.english}"
    return note


def _generated(generator: Generator, question: str, hits: list[Hit],
               headers: dict[int, str], warnings: list[str]) -> Answer | None:
    """The generator's checked answer, or None (with the reason in `warnings`) to fall back."""
    name = getattr(generator, "name", type(generator).__name__)
    timeout = float(getattr(generator, "timeout", DEFAULT_TIMEOUT))
    try:
        raw = generator.generate(build_prompt(question, hits, headers), timeout)
    except TimeoutError as error:
        warnings.append(f"{name}: หมดเวลา / timed out ({error}); ใช้คำตอบแบบคัดข้อความแทน / "
                        "extractive answer instead")
        return None
    except Exception as error:  # any failure of an optional model must not fail the answer
        warnings.append(f"{name}: ผิดพลาด / failed ({type(error).__name__}: {error}); "
                        "ใช้คำตอบแบบคัดข้อความแทน / extractive answer instead")
        return None
    checked = check_markers(str(raw)[:MAX_GENERATED_CHARS], len(hits))
    if checked.invalid:
        warnings.append(f"{name}: ลบเลขอ้างอิงที่ไม่มีข้อความ / removed markers naming no "
                        f"given passage: {' '.join(checked.invalid)}")
    if states_not_found(checked.text):
        # The model read the passages and said they do not answer. Its markers do not
        # undo that: showing cited text as "the answer" would lend the citations an
        # authority the model itself denied, and an extractive answer would quote the
        # passages it rejected. A not-found answer keeps the passages in view, so a
        # reader who disagrees still has them; the dropped markers are reported.
        dropped = (f"; ไม่ใช้เลขอ้างอิงที่ให้มา / its markers were dropped: "
                   f"{' '.join(f'[{m}]' for m in checked.valid)}" if checked.valid else "")
        return Answer(question, NOT_FOUND_TEXT, [], hits, name, not_found=True,
                      warnings=[*warnings, f"{name}: ข้อความที่ค้นได้ไม่ตอบคำถาม / "
                                f"the passages do not answer the question{dropped}"])
    if not has_content(checked.text):
        warnings.append(f"{name}: คำตอบว่างหรือมีแต่เครื่องหมาย / the answer is empty or only "
                        "punctuation; ใช้คำตอบแบบคัดข้อความแทน / extractive answer instead")
        return None
    if not checked.valid:
        warnings.append(f"{name}: คำตอบไม่มีเลขอ้างอิงที่ถูกต้อง / no valid citation in the "
                        "answer; ใช้คำตอบแบบคัดข้อความแทน / extractive answer instead")
        return None
    citations = [citation_for(m, hits[m - 1]) for m in sorted(checked.valid)]
    return Answer(question, checked.text, citations, hits, name, warnings=warnings)
