"""Answers composed from the letters themselves, on the seed index, through
`answer_question` and through a real server: a named letter's outline
(`service.overview`) and the letters held (`service.inventory`)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import httpx
import pytest

from circulars.models import Reference
from indexer.build import build_index
from retriever.query import QueryError
from retriever.search import Filters, Searcher
from service.answer import answer_question
from service.compare import _numbers_changed, _where, citing_lines, letters_compared
from service.inventory import YEAR_RE, letter_inventory, year_span
from service.items import item_everywhere
from service.overview import letter_overview
from service.settings import ServiceSettings
from tests.fakes import HashEmbedder
from tests.test_answer import assert_grounded
from tests.test_service_helpers import build_seed_index, seed_searcher

W10303 = "มท 0211.6/ว 10303"


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return seed_searcher(build_seed_index(tmp_path_factory.mktemp("overview-index")))


def test_a_summary_request_lists_the_letters_items_each_cited(searcher: Searcher) -> None:
    result = answer_question(searcher, "สรุปหนังสือ ว 10303 ให้หน่อย")
    assert_grounded(result)
    lines = result.answer.split("\n")
    assert lines[0].startswith("หนังสือที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓ ลงวันที่ ๒๔ ตุลาคม ๒๕๖๗ จาก กระทรวงมหาดไทย")
    assert "เรื่อง สรุป" in lines[0] and lines[0].endswith("[1]")
    assert "เนื้อหา 15 ข้อ:" in lines
    # Items 1-15 of the body, in order, each on its own line with its own citation.
    items = [(c.doc_no, c.item) for c in result.citations if c.item.isdigit()]
    assert items == [(W10303, str(n)) for n in range(1, 16)]
    third = next(line for line in lines if line.startswith("๓."))
    assert "อุทกภัย" in third
    # The letter's purpose, from its opening paragraphs, before the items.
    assert "๑๕ ประเด็น" in result.answer.split("เนื้อหา 15 ข้อ:")[0]


def test_a_letter_without_body_items_lists_its_enclosed_table(searcher: Searcher) -> None:
    result = answer_question(searcher, "ขม 0017.2/ว 38028 มีสาระสำคัญอะไรบ้าง")
    assert_grounded(result)
    assert re.search(r"^สิ่งที่ส่งมาด้วย: สรุปประเด็น.* 12 ข้อ:$", result.answer, re.M)
    rows = [c.item for c in result.citations if c.item.isdigit()]
    assert rows == [str(n) for n in range(1, 13)]
    # A table row's number is in a cell of its own: the outline puts it in front.
    assert re.search(r"^9\. .*ค้ำมนุษย์.*\[\d+\]$", result.answer, re.M)


def test_enclosures_of_a_letter_with_items_are_one_line_each(searcher: Searcher) -> None:
    result = answer_question(searcher, "ว 12505 ว่าอย่างไร")
    assert_grounded(result)
    enclosed = [line for line in result.answer.split("\n") if line.startswith("สิ่งที่ส่งมาด้วย:")]
    assert len(enclosed) == 3
    assert enclosed[0].startswith("สิ่งที่ส่งมาด้วย: แนวทางการส่งเสริมการท่องเที่ยว")
    assert re.search(r"\(\d+ ข้อ\) \[\d+\]$", enclosed[0])


@pytest.mark.parametrize("question", [
    "สรุปหนังสือ ว 10303 ให้หน่อย",
    "หนังสือ มท 0211.6/ว 339 ว่าด้วยเรื่องอะไร",
    "ว ๓๓๙ มีสาระสำคัญอย่างไร",
    "บันทึก 19355 มีเนื้อหาอะไรบ้าง",
    "หนังสือจังหวัดชัยภูมิ ว 3053 สั่งอะไรบ้าง",  # the issuer's name names the letter
    "มท 0211.6/ว 10303 มีกี่ข้อ",
    "ว.339",
    "ช่วยสรุปหนังสือที่ มท 0211.6/ว 10303 ลงวันที่ 24 ต.ค. 67 ให้หน่อยครับ",  # a date given
])
def test_questions_about_a_letter_as_a_whole(searcher: Searcher, question: str) -> None:
    assert letter_overview(searcher, question) is not None


@pytest.mark.parametrize("question", [
    "ว 10303 เรื่องน้ำท่วมว่าอย่างไร",  # one topic of the letter: search answers it
    "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร",  # an item
    "ว 339 ลงวันที่",  # a header fact
    "ว 10303 ต้องรายงานภายในวันไหน",  # a kind of answer
    "ว 339 กับ ว 469 ต่างกันอย่างไร",
    "ว 10901 ว่าอย่างไร",  # cited by a held letter, not held itself
    "สรุปการประชุมมอบนโยบายเรื่องน้ำท่วม",  # no letter named
    "สรุป ว 339 และ ว 469",  # two letters: search, not one outline
    "ว 10303 ประเด็นที่ 3 ว่าอย่างไร",  # a number beside the letter's: a part of it
    "ว 339 เรื่องงบว่าอย่างไร",  # a short topic word is still a topic
    "สรุปหนังสือ ว 10303 ลงวันที่ 1 มกราคม 2560",  # not the date ว 10303 bears
])
def test_questions_that_are_not_about_a_letter_as_a_whole(searcher: Searcher,
                                                           question: str) -> None:
    assert letter_overview(searcher, question) is None


def test_filters_that_leave_the_letter_out_leave_no_outline(searcher: Searcher) -> None:
    question = "สรุปหนังสือ ว 10303 ให้หน่อย"
    assert letter_overview(searcher, question, Filters(issuer="กระทรวงมหาดไทย")) is not None
    assert letter_overview(searcher, question, Filters(issuer="จังหวัดเชียงใหม่")) is None


def test_a_question_search_would_refuse_is_refused_before_any_outline(
        searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="2,000"):
        answer_question(searcher, "สรุป" * 700 + " ว 10303")


def test_the_api_answers_with_the_outline(server: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        body = client.post("/api/ask", json={"question": "สรุปหนังสือ ว 339"}).json()
    assert not body["not_found"]
    assert body["answer"].startswith("หนังสือที่ มท ๐๒๑๑.๖/ว ๓๓๙ ลงวันที่ ๑๕ สิงหาคม ๒๕๖๘")
    cited = [(c["doc_no"], c["item"]) for c in body["citations"]]
    assert [item for _, item in cited if item.isdigit()][:8] == [str(n) for n in range(1, 9)]
    assert len(body["passages"]) == len(body["citations"])


# ------------------------------------------------------------------ inventory
def _listed(answer: str) -> list[str]:
    """The letter numbers on the answer's lines, Thai digits as printed."""
    return re.findall(r"^หนังสือที่ (.+?) ลงวันที่", answer, re.M)


def test_the_letters_held_are_listed_newest_first(searcher: Searcher) -> None:
    result = answer_question(searcher, "มีหนังสือเวียนอะไรบ้าง")
    assert_grounded(result)
    assert result.answer.startswith("พบหนังสือ 8 ฉบับ (ใหม่ไปเก่า):\n")
    assert _listed(result.answer) == [
        "มท ๐๒๑๑.๖/ว ๓๓๙", "ขย ๐๐๒๓.๖/ว ๓๐๕๓", "มท ๐๘๑๐.๖/ว ๑๒๕๐๕", "มท ๐๒๑๑.๖/ว ๑๐๓๐๓",
        "มท ๐๘๐๑.๒/ว ๕๒", "มท ๐๒๑๑.๒/๑๙๓๕๕", "ขม ๐๐๑๗.๒/ว ๓๘๐๒๘",
        "นร ๐๐๑๗.๒/ว ๔๖๙"]  # its header date is unreadable: last
    assert {c.item for c in result.citations} == {"p1"}  # each letter's opening


@pytest.mark.parametrize(("question", "letter"), [
    ("หนังสือล่าสุดคือฉบับไหน", "มท ๐๒๑๑.๖/ว ๓๓๙"),
    ("ในระบบมีหนังสือฉบับไหนเก่าที่สุด", "ขม ๐๐๑๗.๒/ว ๓๘๐๒๘"),
])
def test_the_newest_or_oldest_letter(searcher: Searcher, question: str, letter: str) -> None:
    result = answer_question(searcher, question)
    assert_grounded(result)
    assert _listed(result.answer) == [letter]
    # A letter whose date the OCR lost cannot be placed; the answer says so.
    assert result.answer.endswith("\n(ไม่นับ 1 ฉบับที่ไม่มีวันที่ที่อ่านได้)")


@pytest.mark.parametrize(("question", "letters"), [
    ("มีหนังสือจากจังหวัดเชียงใหม่อะไรบ้าง", ["ขม ๐๐๑๗.๒/ว ๓๘๐๒๘"]),
    ("หนังสือของกรมส่งเสริมการปกครองท้องถิ่นมีกี่ฉบับ", ["มท ๐๘๐๑.๒/ว ๕๒"]),
    ("หนังสือปี 2567 มีอะไรบ้าง",
     ["ขย ๐๐๒๓.๖/ว ๓๐๕๓", "มท ๐๘๑๐.๖/ว ๑๒๕๐๕", "มท ๐๒๑๑.๖/ว ๑๐๓๐๓"]),
    ("หนังสือ พ.ศ. ๒๕๖๔ มีกี่ฉบับ", ["มท ๐๒๑๑.๒/๑๙๓๕๕"]),
    ("หนังสือ 2564 มีกี่ฉบับ", ["มท ๐๒๑๑.๒/๑๙๓๕๕"]),  # a bare Buddhist-era year
    ("หนังสือปี 2563-2564 มีฉบับไหนบ้าง", ["มท ๐๒๑๑.๒/๑๙๓๕๕", "ขม ๐๐๑๗.๒/ว ๓๘๐๒๘"]),
    ("หนังสือของจังหวัดนราธิวาสมีอะไรบ้าง", ["นร ๐๐๑๗.๒/ว ๔๖๙"]),
    # Fiscal 2568: 1 Oct 2024 - 30 Sep 2025, ว 339 of 15 Aug 2025 included.
    ("หนังสือปีงบประมาณ 2568 มีฉบับไหนบ้าง",
     ["มท ๐๒๑๑.๖/ว ๓๓๙", "ขย ๐๐๒๓.๖/ว ๓๐๕๓", "มท ๐๘๑๐.๖/ว ๑๒๕๐๕", "มท ๐๒๑๑.๖/ว ๑๐๓๐๓"]),
])
def test_letters_of_an_issuer_or_a_year(searcher: Searcher, question: str,
                                        letters: list[str]) -> None:
    result = answer_question(searcher, question)
    assert_grounded(result)
    assert result.answer.startswith(f"พบหนังสือ {len(letters)} ฉบับ")
    assert _listed(result.answer) == letters


def test_asked_what_the_newest_letter_says_the_answer_is_its_outline(
        searcher: Searcher) -> None:
    result = answer_question(searcher, "หนังสือฉบับล่าสุดว่าอย่างไร")
    assert_grounded(result)
    assert result.answer.startswith("หนังสือที่ มท ๐๒๑๑.๖/ว ๓๓๙ ลงวันที่ ๑๕ สิงหาคม ๒๕๖๘")
    assert "\nเนื้อหา 8 ข้อ:\n" in result.answer


def test_asked_what_a_provinces_letters_say_the_answer_is_their_outline(
        searcher: Searcher) -> None:
    result = answer_question(searcher, "หนังสือจากจังหวัดนราธิวาสสั่งอะไรบ้าง")
    assert_grounded(result)
    assert result.answer.startswith("หนังสือที่ นร ๐๐๑๗.๒/ว ๔๖๙ ")
    assert "\nเนื้อหา 8 ข้อ:\n" in result.answer


def test_asked_what_many_letters_say_they_are_listed_with_a_hint(searcher: Searcher) -> None:
    # Four outlines would bury the answer: the list, and how to ask for one.
    result = answer_question(searcher, "หนังสือของกระทรวงมหาดไทยสั่งอะไรบ้าง")
    assert_grounded(result)
    assert result.answer.startswith("พบหนังสือ 4 ฉบับ")
    assert result.answer.endswith('\n(ถามทีละฉบับเพื่อดูเนื้อหา เช่น "สรุปหนังสือ ว 339")')
    # Asked only which letters there are, no hint.
    assert "ถามทีละฉบับ" not in answer_question(searcher, "หนังสือของกระทรวงมหาดไทยมีกี่ฉบับ").answer


def test_letter_answers_carry_no_search_notes(searcher: Searcher) -> None:
    # Nothing was searched: "no searchable word" would mislead.
    assert answer_question(searcher, "มีหนังสือเวียนอะไรบ้าง").warnings == []


def test_no_letter_of_the_year_asked_is_a_not_found_answer(searcher: Searcher) -> None:
    result = answer_question(searcher, "หนังสือปี 2099 มีอะไรบ้าง")
    assert result.not_found and not result.citations and not result.passages
    assert any("no letter in the index matches" in w for w in result.warnings)


def test_the_callers_filters_apply_to_the_letters_listed(searcher: Searcher) -> None:
    found = letter_inventory(searcher, "มีหนังสืออะไรบ้าง", Filters(date_from="2025-01-01"))
    assert found is not None and _listed(found.text) == ["มท ๐๒๑๑.๖/ว ๓๓๙"]


@pytest.mark.parametrize("question", [
    "หนังสือฉบับไหนบ้างที่ปลัดกระทรวงลงนามเอง",  # about their content: search answers
    "นโยบายสำคัญของกระทรวงมหาดไทยมีอะไรบ้าง",
    "กระทรวงมหาดไทยสั่งเรื่องอะไรบ้าง",
    "ผลที่คาดว่าจะได้รับมีอะไรบ้าง",
    "ต้องบันทึกอะไรบ้าง",  # บันทึก, the verb
    "ต้องส่งกี่ฉบับ",  # copies, not letters
    "หนังสือที่ต้องรายงานภายใน 15 วัน มีอะไรบ้าง",  # a number that is not a year
])
def test_questions_that_are_not_about_which_letters_are_held(searcher: Searcher,
                                                             question: str) -> None:
    assert letter_inventory(searcher, question) is None


@pytest.mark.parametrize(("text", "span"), [
    ("ปี 2567", ("2024-01-01", "2024-12-31")),
    ("ปี 67", ("2024-01-01", "2024-12-31")),
    ("พ.ศ. 2568", ("2025-01-01", "2025-12-31")),
    ("ปีงบประมาณ 2568", ("2024-10-01", "2025-09-30")),
    ("ปีงบ พ.ศ. 2568", ("2024-10-01", "2025-09-30")),
    ("ปี 2024", ("2024-01-01", "2024-12-31")),
    ("หนังสือ 2567", ("2024-01-01", "2024-12-31")),
])
def test_the_year_a_question_names(text: str, span: tuple[str, str]) -> None:
    found = YEAR_RE.search(text)
    assert found is not None and year_span(found) == span


def test_the_api_lists_the_letters(server: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        body = client.post("/api/ask", json={"question": "มีหนังสือเวียนอะไรบ้าง"}).json()
    assert not body["not_found"] and len(body["citations"]) == 8
    assert body["answer"].startswith("พบหนังสือ 8 ฉบับ")


# ------------------------------------------------------- .jsonl documents
DOCUMENTS = [
    {"id": "fire", "doc_no": "ลป 0017/ว 777", "title": "การป้องกันไฟป่า", "date": "2025-01-10",
     "issuer": "   ", "text": "ให้ทุกอำเภอเฝ้าระวังไฟป่าและหมอกควัน\n\nให้รายงานจุดความร้อนทุกวัน"},
    {"id": "bare", "doc_no": "ลป 0017/ว 5", "text": "ให้ประชาสัมพันธ์การลดการเผาในที่โล่ง"},
    {"id": "lampang", "doc_no": "ลป 0017/ว 9", "issuer": "จังหวัด ลำปาง", "date": "2024-05-01",
     "title": "การจัดการขยะ", "text": "ให้ทุกตำบลคัดแยกขยะต้นทาง"},
]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """An index of .jsonl documents: a blank issuer, one without title or date, an
    issuer the OCR spaced."""
    folder = tmp_path_factory.mktemp("documents")
    (folder / "docs.jsonl").write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in DOCUMENTS) + "\n",
        encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("documents-index")
    build_index([folder], index_dir, ServiceSettings(index_dir=index_dir), HashEmbedder(),
                progress=False)
    return seed_searcher(index_dir)


def test_a_documents_outline_quotes_its_paragraphs(documents: Searcher) -> None:
    result = answer_question(documents, "สรุปหนังสือ ว 777")
    assert_grounded(result)
    lines = result.answer.splitlines()
    # A blank issuer is left out, not printed as "จาก เรื่อง".
    assert lines[0] == "หนังสือที่ ลป 0017/ว 777 ลงวันที่ 2025-01-10 เรื่อง การป้องกันไฟป่า [1]"
    # Its text, not the header alone (search would have quoted it).
    assert lines[1].startswith("ให้ทุกอำเภอเฝ้าระวังไฟป่าและหมอกควัน") and lines[1].endswith("[1]")


def test_two_documents_sharing_nothing_are_outlined(documents: Searcher) -> None:
    result = answer_question(documents, "ว 777 กับ ว 9 ต่างกันอย่างไร")
    assert_grounded(result)
    assert result.answer.startswith("เปรียบเทียบหนังสือ 2 ฉบับ: สองฉบับไม่มีข้อความที่ตรงกัน\n")
    assert "\nให้ทุกตำบลคัดแยกขยะต้นทาง [" in result.answer


def test_documents_are_listed_by_issuer_and_date(documents: Searcher) -> None:
    lampang = answer_question(documents, "หนังสือของจังหวัดลำปางมีอะไรบ้าง")
    assert _listed(lampang.answer) == ["ลป 0017/ว 9"]
    oldest = answer_question(documents, "ฉบับไหนเก่าที่สุด หนังสือในระบบ")
    assert _listed(oldest.answer) == ["ลป 0017/ว 9"]
    assert oldest.answer.endswith("(ไม่นับ 1 ฉบับที่ไม่มีวันที่ที่อ่านได้)")
    listed = answer_question(documents, "มีหนังสืออะไรบ้าง")
    assert listed.answer.splitlines()[-1].startswith("หนังสือที่ ลป 0017/ว 5 [")  # undated: last


# ------------------------------------------------- an item without its letter
def test_an_item_named_alone_is_given_from_every_letter_having_it(searcher: Searcher) -> None:
    one = answer_question(searcher, "ข้อ 3.6 ว่าอย่างไร")  # was refused
    assert_grounded(one)
    assert one.answer.startswith("ข้อ 3.6 มีในหนังสือ 1 ฉบับ:\nหนังสือที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓ ข้อ 3.6: "
                                 "๓.๖ เตรียมความพร้อมรับมือ")
    two = answer_question(searcher, "ข้อ ๕.๑ (๔) ว่าอย่างไร")
    assert_grounded(two)
    assert [(c.doc_no, c.item) for c in two.citations] == [
        ("นร 0017.2/ว 469", "5.1.(4)"), ("มท 0211.6/ว 339", "5.1.4)")]  # as printed
    # A table row in an enclosure says whose enclosure it is.
    rows = answer_question(searcher, "ลำดับที่ 9 ว่าอย่างไร")
    assert re.search(r"^หนังสือที่ ขม ๐๐๑๗\.๒/ว ๓๘๐๒๘ \(สรุปประเด็น.*\) ข้อ 9: .*ค้ำมนุษย์",
                     rows.answer, re.M)


def test_the_filters_choose_among_the_letters_having_the_item(searcher: Searcher) -> None:
    found = item_everywhere(searcher, "ข้อ 5.1 (4)", Filters(issuer="จังหวัดนราธิวาส"))
    assert found is not None and [h.doc_no for h in found.passages] == ["นร 0017.2/ว 469"]


@pytest.mark.parametrize("question", [
    "ข้อ 3 ของแนวทางส่งเสริมการท่องเที่ยวว่าอย่างไร",  # names its guideline: search
    "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร",  # names its letter: the citation lookup
    "ข้อ 99 ว่าอย่างไร",  # no letter has it
])
def test_questions_that_are_not_an_item_alone(searcher: Searcher, question: str) -> None:
    assert item_everywhere(searcher, question) is None


# ------------------------------------------------------------- two letters
def test_a_provinces_copy_compared_with_the_ministrys_letter(searcher: Searcher) -> None:
    result = answer_question(searcher, "ว 469 ต่างจาก ว 339 ตรงไหน")  # quoted one item before
    assert_grounded(result)
    lines = result.answer.splitlines()
    assert lines[0] == "เปรียบเทียบหนังสือ 2 ฉบับ:"
    assert lines[1].startswith("หนังสือที่ นร ๐๐๑๗.๒/ว ๔๖๙ ")  # in the question's order
    assert lines[2].startswith("หนังสือที่ มท ๐๒๑๑.๖/ว ๓๓๙ ")
    assert lines[3] == "ข้อความที่ส่งต่อกันมา: 49 จาก 53 ตอนของ ว 469 มีใน ว 339 ด้วย"
    assert re.fullmatch(r"ต่างกันตรงถ้อยคำหรือตัวเลข \(\d+ ตอน\):", lines[4])
    # A number first: the province left out ว 339's three-month deadline in ข้อ 2.1.
    assert re.fullmatch(r"ว 469 ข้อ 2\.1: ….*ให้ปรากฏผลลัพธ์ที่ชัดเจน \[3\]", lines[5])
    assert re.fullmatch(r"ว 339 ข้อ 2\.1: ….*ภายใน ๓ เดือน \[4\]", lines[6])
    # What only the province says: its instruction to district chiefs and its mailing
    # list; only the ministry: the summary table it encloses, in one line.
    alone = result.answer[result.answer.index("มีเฉพาะใน ว 469"):]
    # ว 339's OCR garbled its ข้อ 4.5 past the copy test: one item in two texts, not
    # an item of each letter alone.
    assert "๔.๕ จัดตั้งกลไกพิเศษ" not in alone
    assert "ขอให้นายอำเภอแจ้ง" in alone.split("มีเฉพาะใน ว 339")[0]
    assert re.search(r"^สิ่งที่ส่งมาด้วย: สรุปข้อสั่งการ \(13 ตอน\) \[\d+\]$", alone, re.M)
    assert not any(line.startswith("จึงเรียน") for line in lines)  # closings are alike
    # Each passage is cited once, whatever lines quote it.
    assert len({hit.chunk_id for hit in result.passages}) == len(result.passages)


def test_a_relayed_directive_whose_numbers_changed_is_not_called_the_same(
        searcher: Searcher) -> None:
    # The copy test pairs ว 3053 ข้อ 3 with ว 12505 ข้อ 4 (the province renumbered
    # them), but the province has its districts report by the 20th, the ministry its
    # provincial offices by the 25th: exactly what the official asks.
    result = answer_question(searcher, "ว 3053 กับ ว 12505 สั่งเรื่องเดียวกันหรือไม่")
    assert_grounded(result)
    lines = result.answer.splitlines()
    assert "ว 3053 ข้อ 3: …แบบรายงานที่กำหนด ทุกวันที่ ๒๐ ของเดือน จนถึงเดือนกันยายน… [3]" in lines
    assert "ว 12505 ข้อ 4: …Google Sheet ทุกวันที่ ๒๕ ของเดือน จนถึงเดือนกันยายน… [4]" in lines
    assert "ข้อความที่ส่งต่อกันมาตรงกันทุกตอน" not in lines
    assert "\nมีเฉพาะใน ว 12505 (" in result.answer


def test_letters_sharing_no_directive_get_each_ones_outline(searcher: Searcher) -> None:
    result = answer_question(searcher, "ความแตกต่างระหว่าง ว 10303 และ ว 12505")
    assert_grounded(result)
    assert result.answer.startswith("เปรียบเทียบหนังสือ 2 ฉบับ: มีข้อความตรงกันเพียง 1 ตอน\n")
    assert "\nเนื้อหา 15 ข้อ:\n" in result.answer and "\nเนื้อหา 4 ข้อ:\n" in result.answer


@pytest.mark.parametrize("question", ["สรุป ว 3053 และ ว 12505", "ว 3053 และ ว 12505 เกี่ยวกับอะไร"])
def test_a_summary_of_two_letters_is_both_outlines(searcher: Searcher, question: str) -> None:
    result = answer_question(searcher, question)
    assert_grounded(result)
    assert _listed(result.answer) == ["ขย ๐๐๒๓.๖/ว ๓๐๕๓", "มท ๐๘๑๐.๖/ว ๑๒๕๐๕"]


@pytest.mark.parametrize("question", [
    "ว 339 กับ ว 469 เรื่องยาเสพติดต่างกันอย่างไร",  # one topic of the two: search
    "ว 339 กับ ว 99999 ต่างกันอย่างไร",  # one not held
    "ว 339 กับ ว 469 และ ว 10303 ต่างกันอย่างไร",  # three
    "ว 339 ต่างกันอย่างไร",  # one
])
def test_questions_that_are_not_about_two_letters(searcher: Searcher, question: str) -> None:
    assert letters_compared(searcher, question) is None


def test_filters_that_leave_one_letter_out_leave_no_comparison(searcher: Searcher) -> None:
    question = "ว 469 กับ ว 339 ต่างกันอย่างไร"
    assert letters_compared(searcher, question, Filters(issuer="กระทรวงมหาดไทย")) is None


def test_a_letter_citing_or_enclosing_the_other_is_said(searcher: Searcher) -> None:
    ministry, province = (next(le for le in searcher.letters_held() if le.doc_no == number)
                          for number in ("มท 0211.6/ว 339", "นร 0017.2/ว 469"))
    enclosing = replace(province, references=[Reference("มท 0211.6/ว 339", None, "สิ่งที่ส่งมาด้วย")])
    citing = replace(ministry, references=[Reference("นร 0017.2/ว 469", None, "อ้างถึง")])
    assert citing_lines(enclosing, ministry) == ["ว 469 ส่ง ว 339 มาด้วย"]
    assert citing_lines(enclosing, citing) == ["ว 469 ส่ง ว 339 มาด้วย", "ว 339 อ้างถึง ว 469"]
    assert citing_lines(province, ministry) == []  # the OCR read its enclosure as ว 379
    # Another office's ว 339 is another letter.
    other_office = replace(province, references=[Reference("กษ 0201/ว 339", None, "อ้างถึง")])
    assert citing_lines(other_office, ministry) == []


def test_copies_between_two_letters(searcher: Searcher) -> None:
    ids = {le.doc_no: le.id for le in searcher.letters_held()}
    copies = searcher.copies_between(ids["ขย 0023.6/ว 3053"], ids["มท 0810.6/ว 12505"])
    chunks = searcher.store.chunks_by_ids([*copies, *copies.values()])
    items = {(chunks[copy].item, chunks[twin].item) for copy, twin in copies.items()}
    # The province renumbered the ministry's items 2-4 as 1-3.
    assert {("1", "2"), ("2", "3"), ("3", "4")} <= items
    # A short heading is a copy only word for word: "๕.๑ ด้านสุขภาพ" is in both.
    relayed = searcher.copies_between(ids["นร 0017.2/ว 469"], ids["มท 0211.6/ว 339"])
    heading = next(h for h in searcher.letter_passages(ids["นร 0017.2/ว 469"])
                   if h.item == "5.1")
    assert heading.text.split() == ["๕.๑", "ด้านสุขภาพ"] and heading.chunk_id in relayed
    relayed_items = {c.item for c in searcher.store.chunks_by_ids(list(relayed)).values()}
    assert "1.1" in relayed_items and "4.5" not in relayed_items  # 4.5: OCR-garbled in ว 339


def test_how_two_passages_numbers_differ() -> None:
    assert _numbers_changed(["20"], ["25"]) == 0  # a day changed: listed first
    assert _numbers_changed(["3"], []) == 1  # a deadline left out
    assert _numbers_changed(["3", "4"], ["3"]) == 1
    assert _numbers_changed(["2568"], ["2568"]) == 2


def test_an_enclosures_row_is_labelled_as_such(searcher: Searcher) -> None:
    ministry = next(le for le in searcher.letters_held() if le.doc_no == "มท 0211.6/ว 339")
    row = next(h for h in searcher.letter_passages(ministry.id)
               if h.part_index and h.kind == "row" and h.item == "1")
    assert _where(row) == "สิ่งที่ส่งมาด้วย 1 แถวที่ 1"
