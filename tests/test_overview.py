"""A letter's outline for questions about a named letter as a whole (`service.overview`),
on the seed index: through `answer_question` and through a real server."""

from __future__ import annotations

import re

import httpx
import pytest

from retriever.search import Filters, Searcher
from service.answer import answer_question
from service.overview import letter_overview
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
])
def test_questions_that_are_not_about_a_letter_as_a_whole(searcher: Searcher,
                                                           question: str) -> None:
    assert letter_overview(searcher, question) is None


def test_filters_that_leave_the_letter_out_leave_no_outline(searcher: Searcher) -> None:
    question = "สรุปหนังสือ ว 10303 ให้หน่อย"
    assert letter_overview(searcher, question, Filters(issuer="กระทรวงมหาดไทย")) is not None
    assert letter_overview(searcher, question, Filters(issuer="จังหวัดเชียงใหม่")) is None
    result = answer_question(searcher, question, filters=Filters(issuer="จังหวัดเชียงใหม่"))
    assert all(c.doc_no != W10303 for c in result.citations)


def test_the_api_answers_with_the_outline(server: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        body = client.post("/api/ask", json={"question": "สรุปหนังสือ ว 339"}).json()
    assert not body["not_found"]
    assert body["answer"].startswith("หนังสือที่ มท ๐๒๑๑.๖/ว ๓๓๙ ลงวันที่ ๑๕ สิงหาคม ๒๕๖๘")
    cited = [(c["doc_no"], c["item"]) for c in body["citations"]]
    assert [item for _, item in cited if item.isdigit()][:8] == [str(n) for n in range(1, 9)]
    assert len(body["passages"]) == len(body["citations"])
