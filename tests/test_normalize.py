"""Thai normalisation, OCR fixes, dates and document numbers on real seed snippets."""

from __future__ import annotations

import unicodedata

import pytest

from indexer.doc_numbers import find_doc_numbers, normalize_doc_no
from indexer.normalize import (
    OCR_FIXES,
    clean_unicode,
    index_form,
    strip_html,
    to_arabic_digits,
)
from indexer.thai_dates import parse_thai_date, thai_date


def test_decomposed_sara_am_is_recomposed_and_never_split_again() -> None:
    decomposed = "ทำ".replace("ำ", "\u0e4d\u0e32")
    assert clean_unicode(decomposed) == "ทำ"
    assert index_form(f"การ{decomposed}งาน") == "การทำงาน"
    # NFKC would split sara am back; the index form must stay composed.
    assert "\u0e4d" not in index_form(decomposed)
    assert unicodedata.normalize("NFKC", "ำ") != "ำ"


def test_zero_width_and_soft_hyphen_removed() -> None:
    assert clean_unicode("ค้า\u200bมนุษย์\ufeff\u00ad") == "ค้ามนุษย์"


def test_thai_digits_in_index_form_only() -> None:
    line = "ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓ ลงวันที่ ๒๔ ตุลาคม ๒๕๖๗"
    assert clean_unicode(line) == line
    assert index_form(line) == "ที่ มท 0211.6/ว 10303 ลงวันที่ 24 ตุลาคม 2567"
    assert to_arabic_digits("๑๒๓") == "123"


@pytest.mark.parametrize(("wrong", "right", "seen"), OCR_FIXES)
def test_each_ocr_fix(wrong: str, right: str, seen: str) -> None:
    assert right in index_form(f"ข้อความ {wrong} ต่อ")
    assert wrong not in index_form(f"ข้อความ {wrong} ต่อ") or wrong in right


def test_ocr_fix_leaves_display_alone() -> None:
    text = "ป้องกันและปราบปรามการค้ำมนุษย์ในระดับพื้นที่"
    assert clean_unicode(text) == text
    assert "การค้ามนุษย์" in index_form(text)
    # A real phrase that merely resembles a fix stays as written.
    assert index_form("ปัญหานี้ต้องแก้") == "ปัญหานี้ต้องแก้"


def test_strip_html_keeps_list_items_apart() -> None:
    cell = ('<ul style="list-style-type: none"> <li>- ศูนย์ดำรงธรรมจังหวัดเชียงใหม่</li> '
            "<li>- ศูนย์ดำรงธรรมอำเภอ</li> </ul>")
    assert strip_html(cell) == "- ศูนย์ดำรงธรรมจังหวัดเชียงใหม่\n- ศูนย์ดำรงธรรมอำเภอ"
    assert strip_html("<p>ข้อสั่งการ</p> <p>ให้ท้องถิ่นจังหวัด&amp;อำเภอ</p>") == (
        "ข้อสั่งการ\nให้ท้องถิ่นจังหวัด&อำเภอ")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("๒๔ ตุลาคม ๒๕๖๗", "2024-10-24"),
        ("7 ธ.ค. 2563", "2020-12-07"),
        ("ลงวันที่ ๑๑ ตุลาคม ๒๕๖๗", "2024-10-11"),
        ("วันที่..... 4 ม.ค. 2565", "2022-01-04"),
        ("๓๐ ธันวาคม ๒๕๖๔", "2021-12-30"),
        ("15 ส.ค. 68", "2025-08-15"),
        ("๒๕๖๘ สิงหาคม ๒๕๖๘", None),
        ("31 กุมภาพันธ์ 2567", None),
        ("ไม่มีวันที่", None),
    ],
)
def test_thai_dates(text: str, iso: str | None) -> None:
    assert parse_thai_date(text) == iso


def test_thai_date_display() -> None:
    assert thai_date("2024-10-24") == "24 ต.ค. 2567"
    assert thai_date("2024-10-24", abbreviated=False) == "24 ตุลาคม 2567"
    assert thai_date(None) is None


@pytest.mark.parametrize(
    "printed",
    ["ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓", "มท 0211.6/ว 10303", "มท.0211.6/ว10303", "มท ๐๒๑๑.๖/ว 10303",
     "มท0211.6 / ว. 10303"],
)
def test_doc_number_forms(printed: str) -> None:
    assert normalize_doc_no(printed) == "มท 0211.6/ว 10303"


def test_doc_numbers_without_circular_mark_and_word_boundaries() -> None:
    assert normalize_doc_no("ที่ มท ๐๒๑๑.๒/๑๙๓๕๕") == "มท 0211.2/19355"
    # "กันยายน ๒๕๖๘ / ๒๕๖๘" is a date, not document "ยน 2568/2568".
    assert find_doc_numbers("วันที่ ๖ กันยายน ๒๕๖๘ / ๒๕๖๘") == []


def test_thai_glyph_variants_from_pdf_fonts_become_letters() -> None:
    # Text extracted from a PDF set in TH Sarabun: lowered tone marks and a tailless ฐ
    # in the Private Use Area (Windows' and Apple's codes).
    assert clean_unicode("ผู\uf70bว\uf70aาราชการ") == "ผู้ว่าราชการ"
    assert clean_unicode("\uf700าน \u0e1b\uf88bา") == "ฐาน ป่า"
    assert index_form("ท\uf711\uf70bา") == "ท้ำ"  # the nikhahit variant still forms sara am
