"""Hybrid retrieval over the seed index: citations, filters, copies, bad queries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from circulars.models import Hit, Letter
from circulars.settings import Settings
from indexer.build import build_index
from indexer.embedder import Embedder
from indexer.manifest import IndexMismatch, IndexMissing
from retriever.addressees import AddresseeNames
from retriever.answer_types import asked_kinds, asks_table, states
from retriever.letter_names import with_everyday_forms
from retriever.query import QueryError, find_citation
from retriever.search import Filters, Searcher, _fuse
from retriever.thesaurus import Thesaurus
from tests.conftest import CORPUS, ROOT
from tests.fakes import HashEmbedder


@pytest.fixture(scope="module")
def seed_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    index_dir = tmp_path_factory.mktemp("seed-index")
    # The hash embedder's dense list is noise; weighing BM25 down for paraphrases
    # would let it decide, so these tests of ranking keep BM25 at full weight.
    settings = Settings(index_dir=index_dir, weak_lexical_weight=1.0)
    embedder = HashEmbedder()
    build_index([CORPUS], index_dir, settings, embedder)
    return Searcher(index_dir, embedder, settings)


@pytest.mark.parametrize(
    "query",
    ["มท 0211.6/ว 10303 ข้อ 3.6", "หนังสือ มท ๐๒๑๑.๖/ว ๑๐๓๐๓ ข้อ ๓.๖ ว่าอย่างไร",
     "มท0211.6/ว10303ข้อ3.6", "ว ๑๐๓๐๓ ข้อ 3.6", "ว 10303 item 3.6",
     "What does ว 10303 Item No. 3.6 say?"],
)
def test_citation_lookup_puts_the_item_first(seed_searcher: Searcher, query: str) -> None:
    top = seed_searcher.search(query, k=5)[0]
    assert (top.doc_no, top.item) == ("มท 0211.6/ว 10303", "3.6")
    assert top.matched_by[0] == "citation"


def test_citation_of_nested_and_misprinted_items(seed_searcher: Searcher) -> None:
    top = seed_searcher.search("ว 12505 ข้อ 3.3.1 (1)", k=3)[0]
    assert top.item == "3.3.1.(1)"
    hits = seed_searcher.search("มท 0211.6/ว 339 ข้อ 4.5", k=3)
    assert [h.item for h in hits[:2]] == ["4.5", "4.5#2"]


def test_an_item_named_by_number_brings_its_sub_items_next(seed_searcher: Searcher) -> None:
    """ว 12505's item 9 is the bare heading "ผลที่คาดว่าจะได้รับ"; 9.1-9.4 say what it holds."""
    hits = seed_searcher.search("ว 12505 ข้อ 9 มีอะไรบ้าง", k=6)
    assert [h.item for h in hits[:5]] == ["9", "9.1", "9.2", "9.3", "9.4"]
    assert all("citation" in h.matched_by for h in hits[:5])
    assert "citation" not in hits[5].matched_by
    # Each item of a letter with two parts is followed by its own sub-items.
    items = [(h.part_index, h.item) for h in seed_searcher.search("ว 339 ข้อ 4", k=10)]
    assert items[:3] == [(0, "4"), (0, "4.1"), (0, "4.2")] and (1, "4") in items
    # ว 339 prints its item 8.4 as "๔.๕" (kept as 4.5#2): a sub-item of 8, not of 4.
    cited = [h for h in seed_searcher.search("ว 339 ข้อ 4", k=30) if "citation" in h.matched_by]
    assert "4.5#2" not in [h.item for h in cited]
    assert len({h.chunk_id for h in cited}) == len(cited)
    eight = [h.item for h in seed_searcher.search("ว 339 ข้อ 8", k=10)
             if "citation" in h.matched_by and h.part_index == 0]
    assert eight == ["8", "8.1", "8.2", "8.3", "4.5#2"]


def test_the_list_an_item_belongs_to(seed_searcher: Searcher) -> None:
    two_one = seed_searcher.search("ว 12505 ข้อ 2.1", k=1)[0]
    found = seed_searcher.list_around(two_one.chunk_id)
    assert found is not None
    heading, items = found
    assert (heading.item, heading.text) == ("2", "๒. วัตถุประสงค์")
    assert [h.item for h in items] == ["2.1", "2.2", "2.3", "2.4"]
    assert all(h.matched_by == ["list"] and h.part_index == 1 for h in found[1])
    # A top-level item and a table row belong to no numbered list.
    five = seed_searcher.search("ว 12505 ข้อ 5", k=1)[0]
    assert five.item == "5" and seed_searcher.list_around(five.chunk_id) is None
    row = seed_searcher.ids[seed_searcher.items.index("r1")]
    assert seed_searcher.list_around(row) is None
    # ว 339's list 8 holds its item 8.4, printed out of sequence as ๔.๕ (kept as 4.5#2),
    # and the misprint's list is 8, not 4.
    eight_one = seed_searcher.search("ว 339 ข้อ 8.1", k=1)[0]
    found = seed_searcher.list_around(eight_one.chunk_id)
    assert found is not None and [h.item for h in found[1]] == ["8.1", "8.2", "8.3", "4.5#2"]
    misprint = next(h for h in seed_searcher.search("ว 339 ข้อ 8.4", k=3) if h.item == "4.5#2")
    found = seed_searcher.list_around(misprint.chunk_id)
    assert found is not None and found[0].item == "8"


def test_which_letter_refers_to_another(seed_searcher: Searcher) -> None:
    top = seed_searcher.search("ฉบับใดอ้างถึงหนังสือ ว 10901", k=3)[0]
    assert (top.doc_no, top.item) == ("มท 0211.6/ว 10303", "p1")
    # A number without ว (the memo มท 0211.2/16703), named after หนังสือ.
    top = seed_searcher.search("ฉบับใดอ้างถึงหนังสือที่ ๑๖๗๐๓", k=3)[0]
    assert (top.doc_no, top.item) == ("มท 0211.2/19355", "p1")


def test_a_memo_named_by_its_running_number(seed_searcher: Searcher) -> None:
    """A memo's number has no ว ("มท 0211.2/19355"); officials name it "บันทึก 19355"."""
    words = "การมอบนโยบายของปลัดกระทรวงมหาดไทยที่กรมส่งเสริมการปกครองท้องถิ่น"
    # Without the number these words rank ว 52 first, which relays that memo's
    # enclosure: the number is what chooses the letter.
    assert seed_searcher.search(words, k=1)[0].doc_no == "มท 0801.2/ว 52"
    hits = seed_searcher.search(f"{words} ตามบันทึก ๑๙๓๕๕", k=5)
    assert all(h.doc_no == "มท 0211.2/19355" and "citation" in h.matched_by for h in hits)


def test_a_question_about_a_letter_puts_its_opening_paragraph_first(
        seed_searcher: Searcher) -> None:
    # Without the preference, item 4 ("... QR Code แนบท้ายหนังสือฉบับนี้") shares more
    # words with the question than the opening paragraph that carries อ้างถึง.
    top = seed_searcher.search("หนังสือ มท 0810.6/ว 12505 อ้างถึงหนังสือฉบับใด", k=3)[0]
    assert (top.doc_no, top.item) == ("มท 0810.6/ว 12505", "p1") and "letter" in top.matched_by
    top = seed_searcher.search("ใครลงนามในหนังสือ ขม 0017.2/ว 38028", k=3)[0]
    assert (top.doc_no, top.item) == ("ขม 0017.2/ว 38028", "p1")
    top = seed_searcher.search("หนังสือจังหวัดชัยภูมิเรื่อง Soft Power ส่งถึงหน่วยงานใด", k=3)[0]
    assert (top.doc_no, top.item) == ("ขย 0023.6/ว 3053", "p1") and "letter" in top.matched_by
    # The contact of a letter named by its number is its header's contact block; the
    # guideline's own coordinators (its item 10) answer when no letter is named.
    top = seed_searcher.search("หนังสือ ว 469 เจ้าของเรื่องคือกลุ่มงานไหน โทรศัพท์เบอร์อะไร", k=3)[0]
    assert (top.doc_no, top.item) == ("นร 0017.2/ว 469", "p1") and "letter" in top.matched_by
    top = seed_searcher.search("ผู้ประสานงานแนวทาง Soft Power เบอร์โทรอะไร", k=3)[0]
    assert "letter" not in top.matched_by


def test_addressees_in_an_attached_list_prefer_the_list(seed_searcher: Searcher) -> None:
    """ว 469 is addressed "(ตามบัญชีแนบท้าย)": the attached list names them."""
    hits = seed_searcher.search("หนังสือ ว 469 ส่งถึงหน่วยงานใดบ้าง", k=10)
    assert (hits[0].item, hits[0].kind, hits[0].part_index) == ("list", "distribution", 1)
    assert [h.item for h in hits if "letter" in h.matched_by] == ["list"]
    signer = seed_searcher.search("หนังสือ ว 469 ใครลงนาม", k=10)
    assert (signer[0].item, "letter" in signer[0].matched_by) == ("p1", True)


@pytest.mark.parametrize("question", [
    "หนังสือจังหวัดชัยภูมิเรื่องขับเคลื่อนนโยบายสำคัญ Soft Power ลงวันที่เท่าไร",
    "จังหวัดชัยภูมิมีหนังสือถึงนายอำเภอทุกอำเภอเมื่อไร",
])
def test_a_question_for_the_letters_own_date_puts_its_opening_first(
        seed_searcher: Searcher, question: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The letter's date is in its header, which rides on the opening paragraph; item 3
    of ว 3053 states a date too (the reporting deadline) and shares more words."""
    top = seed_searcher.search(question, k=3)[0]
    assert (top.doc_no, top.item) == ("ขย 0023.6/ว 3053", "p1") and "letter" in top.matched_by
    with monkeypatch.context() as patch:
        patch.setattr("retriever.search.asked_letter_facts", lambda text: [])
        assert seed_searcher.search(question, k=3)[0].item == "3"


def test_find_citation_forms() -> None:
    citation = find_citation("ว10303 ข้อ 5.1 (4)")
    assert citation is not None and citation.running_number == "10303"
    assert citation.item == "5.1.(4)"
    assert find_citation("น้ำท่วมต้องทำอะไร") is None
    english = find_citation("ว 10303 clause 5.1(4)")
    assert english is not None and english.item == "5.1.(4)"
    assert find_citation("ว 10303 subitems 2").item is None  # type: ignore[union-attr]
    memo = find_citation("บันทึก ๑๙๓๕๕ ข้อ 2")
    assert memo is not None and memo.letter_key == "/19355" and memo.item == "2"
    assert find_citation("หนังสือที่ 16703")
    assert find_citation("ว 10303").letter_key == "/ว 10303"  # type: ignore[union-attr]
    # Counts and years after หนังสือ are not letter numbers.
    for text in ("หนังสือ 2 ฉบับ", "หนังสือ ลงวันที่ 18 พ.ย. 2564", "หนังสือปี 2567",
                 "หนังสือ 1,200 ฉบับ", "หนังสือ 2568/1"):
        assert find_citation(text) is None, text


def test_filters(seed_searcher: Searcher) -> None:
    query = "การป้องกันและแก้ไขปัญหายาเสพติด"
    newer = seed_searcher.search(query, k=20, filters=Filters(date_from="2025-01-01"))
    assert newer and all(h.date and h.date >= "2025-01-01" for h in newer)
    older = seed_searcher.search(query, k=20, filters=Filters(date_to="2021-12-31"))
    assert older and all(h.date and h.date <= "2021-12-31" for h in older)
    province = seed_searcher.search(query, k=20, filters=Filters(issuer="จังหวัดเชียงใหม่"))
    assert province and {h.issuer for h in province} == {"จังหวัดเชียงใหม่"}
    prefix = seed_searcher.search(query, k=20, filters=Filters(doc_no_prefix="มท ๐๒๑๑"))
    assert prefix and all((h.doc_no or "").startswith("มท 0211") for h in prefix)
    source = seed_searcher.search(query, k=20,
                                  filters=Filters(source="004_f1bb1bdcbd8f0512.txt"))
    assert source and {h.source for h in source} == {"004_f1bb1bdcbd8f0512.txt"}


def test_relayed_copies_come_back_once(seed_searcher: Searcher) -> None:
    query = "ขยายผลศูนย์จัดการกองทุนชุมชนให้ครอบคลุมพื้นที่ที่มีปัญหาหนี้ครัวเรือน"
    merged = seed_searcher.search(query, k=10)
    texts = [h.text for h in merged]
    assert len(texts) == len(set(texts))
    with_copies = [h for h in merged if h.also_in]
    assert with_copies, "the Narathiwat letter repeats the ministry's items"
    everything = seed_searcher.search(query, k=10, all_copies=True)
    assert sum(1 for h in everything if "ขยายผลศูนย์จัดการกองทุนชุมชน" in h.text) >= 2


def test_summary_row_restating_an_item_is_listed_with_it(seed_searcher: Searcher) -> None:
    # ว 339's enclosure sums up policy ๒ in one long table row; the body's item 5.2.4)
    # (and ว 469's copy of it) is one of the directives that row restates.
    query = "ส่งเสริมนวัตกรรมสายอาชีวศึกษา บริการและอาหารยุคใหม่ การซ่อมบำรุงโดรน"
    everything = seed_searcher.search(query, k=30, all_copies=True)

    def first(doc_no: str, part_index: int, item: str, needle: str) -> Hit:
        return next(h for h in everything if (h.doc_no, h.part_index, h.item) == (
            doc_no, part_index, item) and needle in h.text)

    item = first("มท 0211.6/ว 339", 0, "5.2.4)", "อาชีวศึกษา")
    row = first("มท 0211.6/ว 339", 1, "2#2", "อาชีวศึกษา")
    assert everything.index(item) < everything.index(row)
    merged = seed_searcher.search(query, k=10)
    assert row.chunk_id not in {h.chunk_id for h in merged}
    holder = next(h for h in merged if any(c["chunk_id"] == row.chunk_id for c in h.also_in))
    assert "อาชีวศึกษา" in holder.text and holder.item in {"5.2.4)", "5.2.(4)"}
    # Never the reverse: an item ranked below a row that restates it stays a hit.
    assert seed_searcher._duplicate_of(item.chunk_id, [row.chunk_id]) is None
    assert seed_searcher._duplicate_of(row.chunk_id, [item.chunk_id]) == item.chunk_id


def test_short_item_does_not_swallow_rows_sharing_common_words(
        seed_searcher: Searcher) -> None:
    # "๓. การสร้างอาชีพ เพิ่มรายได้ให้ประชาชน" (ว 12505) has a handful of common words
    # that ว 339's household-debt row also uses; the row does not restate it.
    everything = seed_searcher.search("การสร้างอาชีพ เพิ่มรายได้ให้ประชาชน แก้ปัญหาหนี้ครัวเรือน",
                                      k=50, all_copies=True)
    short = next(h for h in everything if h.doc_no == "มท 0810.6/ว 12505"
                 and "การสร้างอาชีพ เพิ่มรายได้ให้ประชาชน" in h.text and len(h.text) < 80)
    rows = [h for h in everything if h.doc_no == "มท 0211.6/ว 339" and h.part_index == 1]
    assert rows
    for row in rows:
        assert seed_searcher._duplicate_of(row.chunk_id, [short.chunk_id]) is None


def _doc_nos(searcher: Searcher, letter_ids: set[str]) -> set[str | None]:
    return {searcher._letters[letter_id].doc_no for letter_id in letter_ids}


@pytest.mark.parametrize(
    ("query", "senders"),
    [
        ("จังหวัดนราธิวาสสั่งให้ยกระดับศูนย์ดำรงธรรม", {"นร 0017.2/ว 469"}),
        ("หนังสือจังหวัดชัยภูมิให้รายงานผลทุกวันที่ 20", {"ขย 0023.6/ว 3053"}),
        ("การแก้หนี้ของเชียงใหม่ ให้หน่วยงานใดเป็นหลัก", {"ขม 0017.2/ว 38028"}),
        ("กรมส่งเสริมการปกครองท้องถิ่นแจ้งท้องถิ่นจังหวัดเรื่องใด", {"มท 0801.2/ว 52"}),
        ("กระทรวงมหาดไทยขอให้ขับเคลื่อน 8 นโยบายสำคัญ",
         {"มท 0211.6/ว 339", "มท 0211.6/ว 10303", "มท 0810.6/ว 12505", "มท 0211.2/19355"}),
        # The ministry as a topic, not as the sender; and no issuer at all.
        ("นโยบายสำคัญของกระทรวงมหาดไทยมีกี่ข้อ", set()),
        ("ยกระดับศูนย์ดำรงธรรม", set()),
        # ของ is not ขอ: the department is visited here, not writing.
        ("การตรวจเยี่ยมกรมส่งเสริมการปกครองท้องถิ่นของปลัดกระทรวง ใช้เวลากี่ชั่วโมง", set()),
        # A letter another letter encloses: its issuer is not the sender asked about.
        ("หนังสือจังหวัดใดแนบสำเนาหนังสือกระทรวงมหาดไทยมาด้วย", set()),
        ("จังหวัดชัยภูมิส่งสำเนาหนังสือกระทรวงมหาดไทยให้อำเภอ", {"ขย 0023.6/ว 3053"}),
        # A name written the short way (the thesaurus's everyday forms).
        ("สถ. แจ้งท้องถิ่นจังหวัดเรื่องใด", {"มท 0801.2/ว 52"}),
        ("หนังสือ สถ. เรื่องการมอบนโยบาย", {"มท 0801.2/ว 52"}),
    ],
)
def test_named_senders(seed_searcher: Searcher, query: str, senders: set[str]) -> None:
    assert _doc_nos(seed_searcher, seed_searcher._senders.letters_named(query)) == senders


def test_a_named_sender_keeps_the_paraphrase_weight_of_bm25(
        seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fusing the sender's list in once re-fused BM25 at full weight, undoing the
    paraphrase rule (`Searcher.lexical_weight`) for any question naming a sender."""
    question = "กระทรวงมหาดไทยสั่งให้ชาวบ้านช่วยกันดูแลความปลอดภัยในหมู่บ้าน"
    monkeypatch.setattr(seed_searcher, "lexical_weight", lambda text, lexical: 0.25)
    seen: list[float] = []

    def recording(ranked: dict[str, list[str]], rrf_k: int = 60,
                  weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
        if "bm25" in ranked:
            seen.append((weights or {}).get("bm25", 1.0))
        return _fuse(ranked, rrf_k, weights)

    monkeypatch.setattr("retriever.search._fuse", recording)
    hits = seed_searcher.search(question, k=5)
    assert any("sender" in h.matched_by for h in hits)
    assert len(seen) >= 2 and set(seen) == {0.25}


@pytest.mark.parametrize(
    ("query", "addressed"),
    [
        ("บันทึกที่ส่งสรุปการตรวจเยี่ยมถึงอธิบดีกรมส่งเสริมการปกครองท้องถิ่น",
         {"มท 0211.2/19355"}),
        ("กรมส่งเสริมการปกครองท้องถิ่นแจ้งท้องถิ่นจังหวัดเรื่องใด", {"มท 0801.2/ว 52"}),
        ("หนังสือเรียนผู้ว่าราชการจังหวัดทุกจังหวัดเรื่อง Soft Power",
         {"มท 0810.6/ว 12505", "มท 0211.6/ว 10303", "มท 0211.6/ว 339"}),
        # The governors as the ones who act, not as addressees.
        ("ผู้ว่าราชการจังหวัดต้องทำอย่างไรเรื่องยาเสพติด", set()),
        ("อธิบดีกรมส่งเสริมการปกครองท้องถิ่นลงนามในหนังสือใด", set()),
        # Short forms, and ส่งให้ as a word that addresses.
        ("สรุปการตรวจเยี่ยมที่ สป.มท. ส่งให้อธิบดี สถ.", {"มท 0211.2/19355"}),
        ("สรุปการตรวจเยี่ยมที่ส่งถึงอธิบดีสถ.", {"มท 0211.2/19355"}),
        ("กรมส่งเสริมการปกครองท้องถิ่นแจ้ง สถจ. เรื่องใด", {"มท 0801.2/ว 52"}),
        # ผู้ว่าจ้าง (an employer) is no governor.
        ("ผู้รับจ้างต้องแจ้งผู้ว่าจ้างภายในกี่วัน", set()),
        ("หนังสือที่แจ้ง ผวจ. เรื่อง Soft Power",
         {"มท 0810.6/ว 12505", "มท 0211.6/ว 10303", "มท 0211.6/ว 339"}),
    ],
)
def test_named_addressees(seed_searcher: Searcher, query: str, addressed: set[str]) -> None:
    assert _doc_nos(seed_searcher, seed_searcher._addressees.letters_named(query)) == addressed


def test_the_named_addressee_picks_the_letter(seed_searcher: Searcher) -> None:
    """ว 52 relays 19355's summary and names the department as its sender and signer;
    the memo is the one addressed to the department."""
    question = "สรุปการตรวจเยี่ยมที่ส่งถึงอธิบดีกรมส่งเสริมการปกครองท้องถิ่น"
    top = seed_searcher.search(question, k=3)[0]
    assert top.doc_no == "มท 0211.2/19355" and "addressee" in top.matched_by


@pytest.mark.parametrize(
    ("sender", "first", "copy"),
    [("จังหวัดนราธิวาส", "นร 0017.2/ว 469", "มท 0211.6/ว 339"),
     ("กระทรวงมหาดไทย", "มท 0211.6/ว 339", "นร 0017.2/ว 469")],
)
def test_named_sender_decides_which_copy_comes_first(
        seed_searcher: Searcher, sender: str, first: str, copy: str) -> None:
    # Item 4.1 in the two letters: the same words, with OCR damage in both, so the
    # copies differ in whole words (word overlap 0.55) but hardly in characters.
    hits = seed_searcher.search(f"{sender}ขอให้ขยายผลศูนย์จัดการกองทุนชุมชน", k=3)
    assert (hits[0].doc_no, hits[0].item) == (first, "4.1")
    assert "sender" in hits[0].matched_by
    assert [(c["doc_no"], c["item"]) for c in hits[0].also_in] == [(copy, "4.1")]


@pytest.mark.parametrize(("question", "kinds"), [
    ("ระยะเวลาดำเนินการคือช่วงไหน", ["date"]),
    ("ต้องเบิกจ่ายให้เสร็จภายในวันที่เท่าไร", ["date"]),
    ("ประชุมจัดวันไหน กี่โมง", ["date"]),
    ("เบี้ยยังชีพได้เดือนละกี่บาท", ["amount"]),
    ("วงเงินอุดหนุนไม่เกินเท่าไร", ["amount"]),
    ("ต้องมีของดีท้องถิ่นอย่างน้อยกี่อำเภอ", []),
    ("งบประมาณดำเนินการใช้งบจากไหน", []),
    ("แนวทางที่แนบท้ายหนังสือ ว 12505 หน่วยงานใดเป็นผู้จัดทำ", ["author"]),
    ("เอกสารสรุปที่ส่งมาพร้อมบันทึก ว ๕๒ ใครเป็นผู้จัดทำ", ["author"]),
    ("สรุปข้อสั่งการนี้จัดทำโดยหน่วยงานไหน", ["author"]),
    ("ผู้จัดทำแผนขับเคลื่อนต้องทำอะไร", []),
])
def test_asked_answer_kinds(question: str, kinds: list[str]) -> None:
    assert asked_kinds(question) == kinds


def test_passages_that_can_give_a_date_or_an_amount() -> None:
    # Snippets of the seed circulars, Thai digits as printed.
    assert states("date", "๕. ระยะเวลาดำเนินการ : เดือนพฤศจิกายน ๒๕๖๗ - เดือนกันยายน ๒๕๖๘")
    assert states("date", "ลงวันที่ ๒๔ ต.ค. ๒๕๖๗")
    assert states("date", "ทุกวันที่ ๒๐ ของเดือน")
    assert states("date", "เวลา ๑๓.๓๐ น. ณ ห้องประชุม")
    assert not states("date", "๖. งบประมาณดำเนินการ งบประมาณของจังหวัด องค์กรปกครองส่วนท้องถิ่น")
    assert not states("date", "ผู้ช่วยพยาบาลประจำตำบล")  # "พย" is not พ.ย.
    assert states("amount", "ครัวเรือนละ ๕,๐๐๐ บาท") and states("amount", "หนึ่งล้านบาท")
    assert not states("amount", "ทุกวันที่ ๒๐ ของเดือน") and not states("amount", "บาทหลวง")
    # An office said to have prepared the document, or its closing author line.
    assert states("author", "กรมส่งเสริมการปกครองท้องถิ่นจึงได้จัดทำแนวทาง \"การส่งเสริมการท่องเที่ยว")
    assert states("author", "สำนักนโยบายและแผนสำนักงานปลัดกระทรวงมหาดไทย")
    assert not states("author", "๑) ด้านอาหารของท้องถิ่น")
    assert not states("author", "สำนักงานจังหวัด โทร. ๐ ๕๓๑๑ ๒๗๐๓")


def test_a_date_question_ranks_the_passage_with_the_date(
        seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    question = "ระยะเวลาดำเนินการตามแนวทางส่งเสริมการท่องเที่ยวด้วย Soft Power คือช่วงไหน"

    def rank_of_the_period(hits: list[Hit]) -> int:
        return next(h.rank for h in hits if (h.doc_no, h.item) == ("มท 0810.6/ว 12505", "5"))

    hits = seed_searcher.search(question, k=20, all_copies=True)
    with monkeypatch.context() as patch:
        patch.setattr("retriever.search.asked_kinds", lambda text: [])
        without = seed_searcher.search(question, k=20, all_copies=True)
    assert rank_of_the_period(hits) < rank_of_the_period(without)
    # Only items within a letter move; the letters keep the places they hold.
    assert [h.doc_id for h in hits] == [h.doc_id for h in without]
    for hit in hits:
        assert ("date" in hit.matched_by) is states("date", hit.text)
    # The pure modes stay pure: no prior lists.
    for mode in ("bm25", "dense"):
        assert all("date" not in h.matched_by for h in seed_searcher.search(question, mode=mode))


@pytest.mark.parametrize(("question", "table"), [
    ("ตามตารางสรุปข้อสั่งการ หน่วยงานใดรับผิดชอบ", True),
    ("ตารางแนบท้าย ว 339 ข้อ 1", True),
    ("ศูนย์พักพิงต้องมีพื้นที่กี่ตารางเมตร", False),
    ("พื้นที่ ๕ ตารางกิโลเมตร", False),
    ("ข้อสั่งการเรื่องหนี้ครัวเรือน หน่วยงานใดรับผิดชอบ", False),
])
def test_a_question_pointing_at_a_table(question: str, table: bool) -> None:
    assert asks_table(question) is table


def test_a_question_pointing_at_the_table_gets_its_row_first(
        seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    # ว 339's body states the directive; the summary table it encloses restates it in a
    # row, under the minister and policy that gave it, with the agencies responsible.
    question = "ตารางสรุปข้อสั่งการ ว 339 เรื่องกวาดล้างยาเสพติดเชิงรุกทุกพื้นที่"
    first = seed_searcher.search(question, k=5)[0]
    assert (first.doc_no, first.part_index, first.kind, first.item) == (
        "มท 0211.6/ว 339", 1, "row", "1")
    assert "table" in first.matched_by
    with monkeypatch.context() as patch:
        patch.setattr("retriever.search.asks_table", lambda text: False)
        without = seed_searcher.search(question, k=5)[0]
    assert (without.part_index, without.kind) != (1, "row")


def test_a_question_for_the_author_ranks_the_passage_naming_it(
        seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    # The guideline enclosed with ว 12505 says who prepared it in one paragraph
    # ("กรมส่งเสริมการปกครองท้องถิ่นจึงได้จัดทำแนวทาง"); its other items share more of
    # the question's words.
    question = "แนวทางการส่งเสริมการท่องเที่ยวโดยนำอัตลักษณ์ท้องถิ่นที่แนบหนังสือ ว 12505 หน่วยงานใดเป็นผู้จัดทำ"

    def first_of_the_guideline(hits: list[Hit]) -> Hit:
        return next(h for h in hits if (h.doc_no, h.part_index) == ("มท 0810.6/ว 12505", 1))

    first = first_of_the_guideline(seed_searcher.search(question, k=20, all_copies=True))
    with monkeypatch.context() as patch:
        patch.setattr("retriever.search.asked_kinds", lambda text: [])
        without = first_of_the_guideline(seed_searcher.search(question, k=20, all_copies=True))
    assert "ได้จัดทำแนวทาง" in first.text and "author" in first.matched_by
    assert "ได้จัดทำแนวทาง" not in without.text


def test_an_everyday_word_the_letters_never_use_is_searched_as_its_official_one(
        seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    # No letter writes เฟคนิวส์; ว 38028 ข้อ 10 writes ข่าวปลอม. At half weight beside
    # words that match nothing, สั่งการ and ไว้ decided BM25's ranking (ข้อ 10 was 9th).
    question = "เรื่องเฟคนิวส์ สั่งการไว้อย่างไร"
    top = seed_searcher.search(question, k=1, mode="bm25")[0]
    assert (top.doc_no, top.item) == ("ขม 0017.2/ว 38028", "10")
    # A word the letters do use keeps its official wording at `expansion_weight`.
    weights = seed_searcher._expansion_weights(["นายก", "เทศบาล"])
    assert set(weights.values()) == {seed_searcher.settings.expansion_weight}


def test_query_vectors_are_cached_and_batched(seed_searcher: Searcher) -> None:
    embedder = seed_searcher.embedder
    assert isinstance(embedder, HashEmbedder)
    texts = ["ข้อสั่งการเรื่องน้ำท่วม ฉบับทดสอบ", "แจ้งเตือนภัยล่วงหน้า ฉบับทดสอบ",
             "ข้อสั่งการเรื่องน้ำท่วม ฉบับทดสอบ"]
    calls, encoded = embedder.calls, embedder.encoded
    vectors = seed_searcher.query_vectors(texts)
    assert vectors.shape == (3, embedder.dimension)
    assert (embedder.calls - calls, embedder.encoded - encoded) == (1, 2)  # one batch, no repeat
    assert np.array_equal(vectors[0], vectors[2])
    assert np.allclose(vectors, embedder.encode_queries(texts))
    calls = embedder.calls
    again = seed_searcher.query_vectors([texts[1], "อีกข้อความหนึ่ง ฉบับทดสอบ", texts[0]])
    assert embedder.calls - calls == 1 and embedder.encoded - encoded == 2 + 3 + 1
    assert np.array_equal(again[0], vectors[1]) and np.array_equal(again[2], vectors[0])
    assert np.array_equal(seed_searcher.query_vector(texts[0]), vectors[0])
    assert seed_searcher.query_vectors([]).shape == (0, embedder.dimension)


def test_hit_fields(seed_searcher: Searcher) -> None:
    hit = seed_searcher.search("ฝุ่นละอองขนาดเล็ก PM2.5", k=3)[0]
    data = hit.to_dict()
    for name in ("rank", "score", "chunk_id", "doc_id", "text", "doc_no", "date", "subject",
                 "issuer", "item", "parents", "source", "start", "end", "also_in"):
        assert name in data
    assert hit.doc_no == "ขม 0017.2/ว 38028" and hit.item == "7"


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
@pytest.mark.parametrize(
    "query",
    ["!!!???", "🙂🙂🙂", "\x00\x07 ยาเสพติด", "'; DROP TABLE chunks; --", ".*(a+)+$",
     "drug prevention policy", "Soft Power ส่งเสริม 5F", "ข้อ", "ว", "1" * 500],
)
def test_odd_queries_never_crash(seed_searcher: Searcher, mode: str, query: str) -> None:
    hits = seed_searcher.search(query, k=5, mode=mode)
    assert len(hits) <= 5


def test_bad_queries_are_refused_clearly(seed_searcher: Searcher) -> None:
    for query in ("", "   \n\t", "\u200b"):
        with pytest.raises(QueryError, match="empty"):
            seed_searcher.search(query)
    with pytest.raises(QueryError, match="2,000") as error:
        seed_searcher.search("ก" * 20_000)
    assert "ยาวเกิน" in error.value.thai
    with pytest.raises(ValueError, match="unknown mode"):
        seed_searcher.search("ยาเสพติด", mode="magic")


def test_missing_and_mismatched_index(tmp_path: Path, seed_searcher: Searcher) -> None:
    settings = Settings(index_dir=tmp_path / "nothing")
    with pytest.raises(IndexMissing, match="circulars index"):
        Searcher(tmp_path / "nothing", HashEmbedder(), settings)

    class OtherModel(HashEmbedder):
        model_name = "another-model"

    index_dir = seed_searcher.version_dir.parent
    with pytest.raises(IndexMismatch, match="--rebuild"):
        Searcher(index_dir, OtherModel(), Settings(index_dir=index_dir))


def test_bm25_weighs_less_when_its_best_hit_covers_little_of_the_question(
        seed_searcher: Searcher) -> None:
    def weight(searcher: Searcher, query: str) -> float:
        lexical = [h.chunk_id for h in searcher.search(query, k=1, mode="bm25")]
        return searcher.lexical_weight(query, lexical)

    # ว 10303 ข้อ 3.6's own words, then a paraphrase of ว 339's drug directive.
    direct = "ตรวจสอบคันกั้นน้ำ ทำนบ พนังกั้นน้ำ ว่ามีการทรุดตัวหรือไม่"
    paraphrase = "คนติดยาต้องส่งไปรักษาให้หายแล้วช่วยให้มีงานทำ"
    weak = Settings().weak_lexical_weight
    adaptive = Searcher(seed_searcher.version_dir.parent, seed_searcher.embedder,
                        seed_searcher.settings.model_copy(update={"weak_lexical_weight": weak}))
    assert weight(adaptive, direct) == 1.0
    assert weight(adaptive, paraphrase) == weak < 1
    assert weight(seed_searcher, paraphrase) == 1.0  # weak_lexical_weight 1.0: off


def test_weighted_reciprocal_rank_fusion() -> None:
    ranked = {"bm25": ["a", "b"], "dense": ["b", "a"]}
    assert [c for c, _ in _fuse(ranked, 60, {"bm25": 0.25})] == ["b", "a"]
    assert _fuse({"bm25": ["a", "b"], "dense": ["c", "a"]}, 60)[0][0] == "a"
    assert _fuse(ranked, 60, {"bm25": 0.25})[0][1] == pytest.approx(1 / 61 + 0.25 / 62)


@pytest.mark.integration
def test_real_model_hybrid_finds_directives(tmp_path_factory: pytest.TempPathFactory,
                                            real_embedder: Embedder) -> None:
    index_dir = tmp_path_factory.mktemp("real-index")
    settings = Settings(index_dir=index_dir)
    build_index([CORPUS], index_dir, settings, real_embedder)
    searcher = Searcher(index_dir, real_embedder, settings)
    cases = [
        ("ต้องเตรียมรับมือน้ำที่จะไหลลงแม่น้ำเจ้าพระยาอย่างไร", "มท 0211.6/ว 10303", "3.6"),
        ("ใครเป็นหน่วยงานหลักเรื่องป้องกันการค้ามนุษย์ในเชียงใหม่", "ขม 0017.2/ว 38028", "9"),
        ("การประเมิน ITA ต้องได้คะแนนระดับไหน", "มท 0211.6/ว 10303", "9.2"),
    ]
    for query, doc_no, item in cases:
        hits = searcher.search(query, k=5)
        assert (hits[0].doc_no, hits[0].item) == (doc_no, item), [
            (h.doc_no, h.item) for h in hits]
    # One directive in the ministry's letter and in Narathiwat's copy: the question's
    # sender decides which comes first; the other is listed with it.
    # A date question: the item giving the period, not the ones sharing the topic.
    top = searcher.search("ระยะเวลาดำเนินการตามแนวทางส่งเสริมการท่องเที่ยวด้วย Soft Power "
                          "คือช่วงไหน", k=5)[0]
    assert (top.doc_no, top.item) == ("มท 0810.6/ว 12505", "5") and "date" in top.matched_by
    for sender, first, copy in (("จังหวัดนราธิวาส", "นร 0017.2/ว 469", "มท 0211.6/ว 339"),
                                ("กระทรวงมหาดไทย", "มท 0211.6/ว 339", "นร 0017.2/ว 469")):
        top = searcher.search(f"{sender}สั่งให้ยกระดับศูนย์ดำรงธรรม", k=5)[0]
        assert (top.doc_no, top.item) == (first, "8.1")
        # The other letter's copy, and rows of ว 339's summary table restating it.
        assert (copy, "8.1") in [(c["doc_no"], c["item"]) for c in top.also_in]
        assert all(c["item"] == "8.1" or c["part_index"] > 0 for c in top.also_in)
    for mode in ("dense", "bm25"):
        assert searcher.search(cases[0][0], k=5, mode=mode)
    # A paraphrase sharing few words with its item: BM25's best hit covers little of
    # it, so the dense list decides; at full BM25 weight a row of another letter's
    # table that shares the common words comes first.
    paraphrase = "คนติดยาต้องส่งไปรักษาให้หายแล้วช่วยให้มีงานทำ"
    lexical = [h.chunk_id for h in searcher.search(paraphrase, k=1, mode="bm25")]
    assert searcher.lexical_weight(paraphrase, lexical) == settings.weak_lexical_weight
    top = searcher.search(paraphrase, k=5)[0]
    assert top.doc_no == "มท 0211.6/ว 339" and top.item in {"1", "1.1", "1.3"}
    # (Without the thesaurus: its คนติดยา -> ผู้ติดยาเสพติด now lets BM25 find ว 339 too.)
    full_weight = Searcher(index_dir, real_embedder, settings.model_copy(
        update={"weak_lexical_weight": 1.0, "query_expansion": False}))
    assert full_weight.search(paraphrase, k=5)[0].doc_no != "มท 0211.6/ว 339"
    expanded = Searcher(index_dir, real_embedder,
                        settings.model_copy(update={"weak_lexical_weight": 1.0}))
    assert expanded.search(paraphrase, k=5)[0].doc_no == "มท 0211.6/ว 339"


@pytest.mark.integration
def test_cli_batch_search(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    env = {"HF_HUB_OFFLINE": "1", "PYTHAINLP_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "circulars.cli"]
    built = subprocess.run([*cli, "index", "--index", str(index_dir), "--quiet", str(CORPUS)],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert built.returncode == 0, built.stderr
    assert "chunks" in built.stdout
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "a", "question": "มท 0211.6/ว 10303 ข้อ 3.6"}\n'
        '{"id": "b", "query": "ฝุ่นละอองขนาดเล็ก"}\n', encoding="utf-8")
    out = tmp_path / "run.jsonl"
    done = subprocess.run([*cli, "search", "--index", str(index_dir), "--queries", str(queries),
                           "--out", str(out), "-k", "3"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert lines[0]["results"][0]["item"] == "3.6"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "x"}\n{oops\n', encoding="utf-8")
    failed = subprocess.run([*cli, "search", "--index", str(index_dir), "--queries", str(bad)],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert failed.returncode == 2 and "bad.jsonl:2" in failed.stderr
    missing = subprocess.run([*cli, "search", "--index", str(tmp_path / "none"), "น้ำท่วม"],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert missing.returncode == 2 and "circulars index" in missing.stderr
    readable = subprocess.run([*cli, "search", "--index", str(index_dir), "-k", "2",
                               "กล้องวงจรปิดในชุมชน"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert readable.returncode == 0, readable.stderr
    assert readable.stdout.startswith(
        "ค้นรวมคำทางการ / also searched as: กล้องวงจรปิด → กล้องโทรทัศน์วงจรปิด\n")
    assert "ข้อ 3.3" in readable.stdout


def _addressed(letter_id: str, to: str) -> Letter:
    return Letter(id=letter_id, source="s.txt", doc_no=None, doc_no_raw=None, date=None,
                  date_raw=None, subject=None, to=to)


def test_an_addressee_most_letters_share_names_none_of_them() -> None:
    letters = [_addressed(f"g{i}", "ผู้ว่าราชการจังหวัด ทุกจังหวัด") for i in range(6)]
    letters += [_addressed("d1", "อธิบดีกรมส่งเสริมการปกครองท้องถิ่น"),
                _addressed("d2", "นายอำเภอทุกอำเภอ")]
    names = AddresseeNames(letters)
    assert names.letters_named("บันทึกที่ส่งถึงอธิบดีกรมส่งเสริมการปกครองท้องถิ่น") == {"d1"}
    assert names.letters_named("หนังสือที่แจ้งผู้ว่าราชการจังหวัด") == set()
    # Among few letters, the same share still tells them apart.
    few = AddresseeNames([*letters[:2], letters[-1]])
    assert few.letters_named("หนังสือที่แจ้งผู้ว่าราชการจังหวัด") == {"g0", "g1"}


def test_names_written_the_everyday_way() -> None:
    named = [("อธิบดีกรมส่งเสริมการปกครองท้องถิ่น", "d1"), ("จังหวัดเชียงใหม่", "c1")]
    everyday = {"กรมส่งเสริมการปกครองท้องถิ่น": ["สถ.", "กรมท้องถิ่น"]}
    # Abbreviations only: กรมท้องถิ่น is a related word, not another name.
    assert set(with_everyday_forms(named, everyday)) == {
        *named, ("อธิบดีสถ.", "d1"), ("อธิบดี สถ.", "d1")}
    governors = {"ผู้ว่าราชการจังหวัด": ["ผู้ว่าฯ", "ผู้ว่า", "ผวจ."]}
    names = dict(with_everyday_forms([("ผู้ว่าราชการจังหวัด", "g1")], governors))
    assert set(names) == {"ผู้ว่าราชการจังหวัด", "ผู้ว่าฯ", "ผวจ."}
    forms = Thesaurus.load().everyday_forms()
    assert {"สถ.", "กรมท้องถิ่น"} <= set(forms["กรมส่งเสริมการปกครองท้องถิ่น"])
    assert "ผวจ." in forms["ผู้ว่าราชการจังหวัด"]


def test_an_everyday_word_finds_the_official_wording(seed_searcher: Searcher) -> None:
    """The circulars say ข่าวปลอม (Fake News) and กล้องโทรทัศน์วงจรปิด; people type
    เฟคนิวส์ and กล้องวงจรปิด (`retriever/thesaurus.tsv`)."""
    top = seed_searcher.search("เฟคนิวส์", k=3, mode="bm25")
    assert top and "ข่าวปลอม" in top[0].text
    assert "กล้องโทรทัศน์วงจรปิด" in seed_searcher.search("กล้องวงจรปิด", k=1, mode="bm25")[0].text
    index_dir = seed_searcher.version_dir.parent
    plain = Searcher(index_dir, HashEmbedder(),
                     Settings(index_dir=index_dir, weak_lexical_weight=1.0, query_expansion=False))
    try:
        assert plain.search("เฟคนิวส์", k=3, mode="bm25") == []
    finally:
        plain.close()
