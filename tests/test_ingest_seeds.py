"""Ingestion on the real seed circulars: letters, metadata, items, tables, coverage."""

from __future__ import annotations

import re

import pytest

from indexer.chunker import ParsedFile, parse_circular
from indexer.normalize import to_arabic_digits
from tests.conftest import SEED_FILES

S000, S001, S003, S004 = (p.name for p in SEED_FILES)


def letter(parsed: ParsedFile, doc_no: str):  # type: ignore[no-untyped-def]
    return next(le for le in parsed.letters if le.doc_no == doc_no)


def items(parsed: ParsedFile, doc_no: str, part_index: int = 0) -> list[str]:
    target = letter(parsed, doc_no)
    return [c.item for c in parsed.chunks if c.doc_id == target.id and c.part_index == part_index]


def test_letters_found_in_every_seed(seeds: dict[str, ParsedFile]) -> None:
    found = {name: [(le.doc_no, le.date) for le in parsed.letters]
             for name, parsed in seeds.items()}
    assert found[S000] == [("ขม 0017.2/ว 38028", "2020-12-04")]
    assert found[S001] == [
        ("ขย 0023.6/ว 3053", "2024-12-19"),
        ("มท 0810.6/ว 12505", "2024-12-07"),
        ("มท 0211.6/ว 10303", "2024-10-24"),
    ]
    # The cover letter's printed date is damaged ("๒๕๖๘ สิงหาคม ๒๕๖๘"): null, never guessed.
    assert found[S003] == [("นร 0017.2/ว 469", None), ("มท 0211.6/ว 339", "2025-08-15")]
    assert found[S004] == [("มท 0801.2/ว 52", "2022-01-03"), ("มท 0211.2/19355", "2021-12-30")]


def test_letter_metadata_of_ministry_letter(seeds: dict[str, ParsedFile]) -> None:
    le = letter(seeds[S001], "มท 0211.6/ว 10303")
    assert le.subject is not None and le.subject.startswith("สรุปลผลการประชุมมอบนโยบาย")
    assert le.to == "ผู้ว่าราชการจังหวัดทุกจังหวัด"
    assert [(r.doc_no, r.date) for r in le.references] == [("มท 0211.6/ว 10901", "2024-10-11")]
    assert le.issuer == "กระทรวงมหาดไทย"
    assert le.signatory == "นายอรรถวิษฐ์ สัมพันธ์รัตน์"
    assert le.position == "ปลัดกระทรวงมหาดไทย"
    assert le.urgency == "ด่วนที่สุด"
    assert le.enclosures and le.enclosures[0].startswith("สรุปลผลการประชุม")
    assert le.contact is not None and "สำนักนโยบายและแผน" in le.contact


def test_cover_letter_metadata(seeds: dict[str, ParsedFile]) -> None:
    cover = letter(seeds[S001], "ขย 0023.6/ว 3053")
    assert cover.issuer == "จังหวัดชัยภูมิ"
    assert cover.position is not None and "ผู้ว่าราชการจังหวัดชัยภูมิ" in cover.position
    assert ("มท 0810.6/ว 12509", "2024-12-03") in [(r.doc_no, r.date) for r in cover.references]
    memo = letter(seeds[S004], "มท 0801.2/ว 52")
    assert memo.kind == "memo"
    assert memo.issuer == "กรมส่งเสริมการปกครองท้องถิ่น สำนักงานเลขาธิการกรม"
    assert [(r.doc_no, r.date) for r in memo.references] == [("มท 0801.2/ว 2747", "2021-11-19")]
    narathiwat = letter(seeds[S003], "นร 0017.2/ว 469")
    assert narathiwat.date_raw == "๒๕๖๘ สิงหาคม ๒๕๖๘"
    assert narathiwat.extra["distribution"][0] == "ผู้บังคับการตำรวจนครรัฐจังหวัดนราธิวาส"
    assert len(narathiwat.extra["distribution"]) == 15


def test_ministry_letter_items(seeds: dict[str, ParsedFile]) -> None:
    paths = [i for i in items(seeds[S001], "มท 0211.6/ว 10303") if not i.startswith("p")]
    tops = [p for p in paths if "." not in p]
    assert tops == [str(n) for n in range(1, 16)]
    for head, count in (("3", 7), ("6", 4), ("9", 2), ("12", 2)):
        assert [p for p in paths if p.startswith(f"{head}.")] == [
            f"{head}.{n}" for n in range(1, count + 1)]


def test_item_cut_by_page_break_is_stitched(seeds: dict[str, ParsedFile]) -> None:
    le = letter(seeds[S001], "มท 0211.6/ว 10303")
    item = next(c for c in seeds[S001].chunks if c.doc_id == le.id and c.item == "3.1")
    assert "กำกับ ติดตาม และเร่งรัดหน่วยงานที่รับผิดชอบประชาสัมพันธ์" in item.text
    assert item.text.endswith("เพื่อกำหนดแนวทางการแก้ไขปัญหาต่อไป")
    assert item.meta["stitched_page_breaks"] == 1
    assert item.parents == [
        "๓. การบรรเทาความเดือดร้อนของประชาชนที่ได้รับผลกระทบจากสถานการณ์อุทกภัย "
        "โดยขอให้ดำเนินการ ดังนี้"
    ]


def test_nested_numbering_paths(seeds: dict[str, ParsedFile]) -> None:
    guideline = items(seeds[S001], "มท 0810.6/ว 12505", part_index=1)
    assert "3.3.1.(1).4)" in guideline and "3.3.1.(3)" in guideline
    cover = items(seeds[S003], "นร 0017.2/ว 469")
    assert "5.1.(4)" in cover and "5.2.(5)" in cover
    ministry = items(seeds[S003], "มท 0211.6/ว 339")
    assert "5.1.4)" in ministry


def test_duplicate_numbering_keeps_both(seeds: dict[str, ParsedFile]) -> None:
    guideline = items(seeds[S001], "มท 0810.6/ว 12505", part_index=1)
    assert "3.2.1" in guideline and "3.2.1#2" in guideline
    assert any("3.2.1 appears 2 times" in w for w in seeds[S001].warnings)
    ministry = letter(seeds[S003], "มท 0211.6/ว 339")
    misprint = next(c for c in seeds[S003].chunks
                    if c.doc_id == ministry.id and c.item == "4.5#2")
    assert misprint.text.startswith("๔.๕ ส่งเสริมบทบาทของจิตอาสา")
    assert misprint.parents[0].startswith("๘. เร่งปรับปรุงระบบรับเรื่องร้องทุกข์")
    assert any("likely 8.4" in w for w in seeds[S003].warnings)
    original = next(c for c in seeds[S003].chunks if c.doc_id == ministry.id and c.item == "4.5")
    assert "จัดตั้งกลไกพิเศษ" in original.text


def test_seed_000_table_rows_with_agencies(seeds: dict[str, ParsedFile]) -> None:
    rows = [c for c in seeds[S000].chunks if c.kind == "row"]
    assert [c.item for c in rows] == [str(n) for n in range(1, 13)]
    row9 = rows[8]
    assert row9.meta["agencies"]["หน่วยงานหลัก"] == [
        "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเชียงใหม่",
        "ที่ทำการปกครองจังหวัดเชียงใหม่",
    ]
    assert row9.meta["agencies"]["หน่วยงานที่เกี่ยวข้อง"] == ["สำนักงานแรงงานจังหวัดเชียงใหม่"]
    assert rows[0].meta["agencies"]["หน่วยงานหลัก"] == ["ทุกหน่วยงาน"]
    assert rows[0].part.startswith("สรุปประเด็นการมอบนโยบาย")


def test_table_rows_under_speakers_and_policies(seeds: dict[str, ParsedFile]) -> None:
    memo = letter(seeds[S004], "มท 0211.2/19355")
    rows = [c for c in seeds[S004].chunks if c.doc_id == memo.id and c.kind == "row"]
    vaccine = next(c for c in rows if "วัคซีน" in c.text)
    assert vaccine.item == "2"
    assert vaccine.parents[-1].startswith("รองปลัดกระทรวงมหาดไทย")
    assert rows[0].parents[-1] == "ปลัดกระทรวงมหาดไทย"
    # A row continued across a page break (first cell empty) stays one item.
    assert any("๔) เรื่องที่อยู่อาศัย" in c.text for c in rows if c.item == "1")
    ministry = letter(seeds[S003], "มท 0211.6/ว 339")
    table = [c for c in seeds[S003].chunks if c.doc_id == ministry.id and c.kind == "row"]
    debt = next(c for c in table if "หนี้ครัวเรือน" in c.text)
    assert debt.parents[-1] == "นโยบาย ๕ สร้างสุข"
    assert debt.item == "1#2"


def test_preamble_paragraphs_are_chunks(seeds: dict[str, ParsedFile]) -> None:
    le = letter(seeds[S001], "มท 0211.6/ว 10303")
    preamble = [c for c in seeds[S001].chunks if c.doc_id == le.id and c.kind == "preamble"]
    assert preamble[0].text.startswith("ตามหนังสือที่อ้างถึง")
    assert any(c.text.startswith("จึงเรียนมาเพื่อทราบ") for c in preamble)


MARKER_RE = re.compile(r"^\s*/\S.*\.\.\.\s*$", re.MULTILINE)
STAMP_RE = re.compile(r"เลขรับ|เลขที่รับ|รับเลขที่|วันที่\.\.|เวลา\.\.")


@pytest.mark.parametrize("seed", [p.name for p in SEED_FILES])
def test_no_furniture_in_chunks(seeds: dict[str, ParsedFile], seed: str) -> None:
    for chunk in seeds[seed].chunks:
        assert not MARKER_RE.search(chunk.text), chunk.text[:80]
        assert "<" not in chunk.text and ">" not in chunk.text, chunk.text[:80]
        assert not STAMP_RE.search(chunk.text), chunk.text[:80]
        assert "ขอแสดงความนับถือ" not in chunk.text


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_coverage_accounts_for_every_character(seeds: dict[str, ParsedFile], path) -> None:  # type: ignore[no-untyped-def]
    coverage = seeds[path.name].coverage
    assert coverage["total"] == len(path.read_text(encoding="utf-8"))
    assert coverage["unclassified"] == 0
    parts = coverage["chunks"] + coverage["metadata"] + coverage["furniture"] + coverage["blank"]
    assert parts == coverage["total"]
    assert coverage["chunks"] > 0.8 * coverage["total"]


def test_offsets_point_at_the_source(seeds: dict[str, ParsedFile]) -> None:
    for path in SEED_FILES:
        text = path.read_text(encoding="utf-8")
        for chunk in seeds[path.name].chunks:
            span = text[chunk.start:chunk.end]
            head = chunk.text[:8]
            assert head in span, (path.name, chunk.item, head)


def test_chunk_ids_are_stable_and_unique(seeds: dict[str, ParsedFile]) -> None:
    for path in SEED_FILES:
        again = parse_circular(path.read_text(encoding="utf-8"), path.name)
        ids = [c.chunk_id for c in again.chunks]
        assert ids == [c.chunk_id for c in seeds[path.name].chunks]
        assert len(set(ids)) == len(ids)


def test_index_text_is_normalised_with_context(seeds: dict[str, ParsedFile]) -> None:
    row9 = next(c for c in seeds[S000].chunks if c.kind == "row" and c.item == "9")
    assert "ค้ามนุษย์" in row9.index_text and "ค้ำมนุษย์" in row9.text
    le = letter(seeds[S001], "มท 0211.6/ว 10303")
    item = next(c for c in seeds[S001].chunks if c.doc_id == le.id and c.item == "3.6")
    assert item.index_text.startswith("สรุปผลการประชุมมอบนโยบาย")
    assert "3. การบรรเทาความเดือดร้อน" in item.index_text
    assert to_arabic_digits(item.text).split()[0] == "3.6"
    assert not re.search("[๐-๙]", item.index_text)


def test_the_opening_paragraph_carries_the_letters_header_facts(
        seeds: dict[str, ParsedFile]) -> None:
    le = letter(seeds[S000], "ขม 0017.2/ว 38028")
    opening = next(c for c in seeds[S000].chunks if c.doc_id == le.id and c.item == "p1")
    for fact in ("ลงวันที่ 4 ธันวาคม 2563", "สิ่งที่ส่งมาด้วย สรุป", "ลงนาม นายสำเริง ไทเสน",
                 "ติดต่อ สำนักงานจังหวัด"):
        assert fact in opening.index_text, fact
    # Only in the index text: the paragraph shown and cited is the letter's own.
    assert opening.text.startswith("ด้วยกระทรวงมหาดไทย") and "ลงนาม" not in opening.text
    ministry = letter(seeds[S001], "มท 0810.6/ว 12505")
    opening = next(c for c in seeds[S001].chunks if c.doc_id == ministry.id and c.item == "p1")
    assert "อ้างถึง มท 0211.6/ว 11303 ลงวันที่ 25 ตุลาคม 2567" in opening.index_text
    # Addressees are left out (see `header_facts`); other items get none of it.
    assert "เรียน ผู้ว่าราชการจังหวัด" not in opening.index_text
    second = next(c for c in seeds[S001].chunks if c.doc_id == ministry.id and c.item == "p2")
    assert "ลงนาม" not in second.index_text and "ลงวันที่" not in second.index_text


def test_long_items_are_split_keeping_their_path(seeds: dict[str, ParsedFile]) -> None:
    for parsed in seeds.values():
        for chunk in parsed.chunks:
            assert len(chunk.text) <= 1200
    split = [c for p in seeds.values() for c in p.chunks if c.split > 0]
    assert split, "the seeds contain items longer than one window"
    for chunk in split:
        assert chunk.meta["splits"] >= 2


def test_continuation_of_a_long_item_is_indexed_with_its_opening(
        seeds: dict[str, ParsedFile]) -> None:
    # ว 339's enclosure: policy ๒ (health and education) runs past one window; its
    # second piece holds the agencies, and must still match "สุขภาวะและการศึกษา".
    parsed = next(p for p in seeds.values()
                  if any(le.doc_no == "มท 0211.6/ว 339" for le in p.letters))
    le = letter(parsed, "มท 0211.6/ว 339")
    pieces = [c for c in parsed.chunks
              if c.doc_id == le.id and c.part_index == 1 and c.item == "2#2"]
    assert [c.split for c in pieces] == [0, 1]
    opening = "เร่งสร้างเสริมสุขภาวะและการศึกษาชุมชน"
    assert opening in pieces[0].text and opening not in pieces[1].text
    assert opening in pieces[1].index_text
    assert "หน่วยงานที่รับผิดชอบจัดทำข้อสั่งการ" in pieces[1].index_text
