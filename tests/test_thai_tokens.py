"""Thai tokens for BM25: dictionary words, doc numbers as units, odd input survives."""

from __future__ import annotations

import time

import pytest
from pythainlp.corpus import thai_words

from indexer.thai_tokens import tokenize, tokenize_many

# From corpus/001 (มท 0211.6/ว 10303, items 1.1 and 1.2) and corpus/004.
HEADER_001 = "ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓"
ITEM_1_1 = (
    "๑.๑ การจัดระเบียบสังคมปราบปรามผู้มีอิทธิพล โดยขอให้ดำเนินการจัดระเบียบสังคม "
    "ควบคุมการเปิดสถานบริการให้เป็นไปตามระเบียบและกฎหมาย ปราบปรามการพนันที่ผิดกฎหมาย "
    "การค้ำมนุษย์ การก่ออาชญากรรม"
)
ITEM_1_2 = "๑.๒ การป้องกันและแก้ไขปัญหายาเสพติด โดยขอให้บูรณาการปราบปรามยาเสพติด ร่วมกับภาคส่วนอื่น ๆ อย่างต่อเนื่อง"
MEMO_004 = "ที่ มท ๐๒๑๑.๒/๑๙๓๕๕"


def test_thai_words_are_dictionary_words_not_characters() -> None:
    tokens = tokenize("ปราบปรามการค้ามนุษย์ในระดับพื้นที่")
    words = thai_words()
    assert "มนุษย์" in tokens
    assert all(t in words for t in tokens), tokens
    assert all(len(t) > 1 for t in tokens)


def test_long_paragraph_is_mostly_multi_character_words() -> None:
    tokens = tokenize(ITEM_1_2)
    assert "ยาเสพติด" in tokens and "บูรณาการ" in tokens
    assert sum(len(t) == 1 for t in tokens) <= 1


def test_ocr_slip_is_repaired_before_tokenizing() -> None:
    assert tokenize("การค้ำมนุษย์") == tokenize("การค้ามนุษย์")


@pytest.mark.parametrize(
    "variant",
    [
        "ที่ มท 0211.6/ว 10303",
        "ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓",
        "ที่ มท 0211.6 / ว 10303",
        "ที่ มท\u200b ๐๒๑๑.๖/ว\u00a0๑๐๓๐๓",
    ],
)
def test_thai_and_arabic_digit_doc_numbers_give_the_same_tokens(variant: str) -> None:
    assert tokenize(variant) == tokenize(HEADER_001)


def test_doc_number_is_searchable_as_units() -> None:
    tokens = tokenize(HEADER_001)
    assert {"มท0211.6/ว10303", "ว10303", "10303", "0211.6", "มท"} <= set(tokens)


@pytest.mark.parametrize(
    "query", ["ว 10303", "ว๑๐๓๐๓", "ว ๑๐๓๐๓", "มท ๐๒๑๑.๖/ว ๑๐๓๐๓", "มท0211.6/ว10303"]
)
def test_doc_number_queries_share_the_specific_token(query: str) -> None:
    assert "ว10303" in tokenize(query)
    assert set(tokenize(query)) <= set(tokenize(HEADER_001))


def test_non_circular_number_has_no_circular_token() -> None:
    tokens = tokenize(MEMO_004)
    assert "มท0211.2/19355" in tokens and "19355" in tokens
    assert not any(t.startswith("ว") for t in tokens)


def test_item_numbers_and_dates_stay_whole() -> None:
    assert tokenize("ข้อ ๓.๖") == ["ข้อ", "3.6"]
    assert tokenize("(๔) คุณภาพชีวิต")[0] == "4"
    assert "2568" in tokenize("ประจำปีงบประมาณ พ.ศ. ๒๕๖๘")
    assert "10.00" in tokenize("เวลา ๑๐.๐๐ น.")
    assert tokenize("งบประมาณ 1,000 บาท") == tokenize("งบประมาณ 1000 บาท")


def test_latin_is_lowercased_and_punctuation_dropped() -> None:
    tokens = tokenize("นโยบาย Soft Power ของรัฐบาล “เจ้านายของข้าราชการคือประชาชน” ...")
    assert "soft" in tokens and "power" in tokens
    assert all(any(c.isalnum() for c in t) for t in tokens)
    assert not {"“", "”", "...", "(", ")"} & set(tokens)


def test_tokenize_many_matches_tokenize() -> None:
    texts = [HEADER_001, ITEM_1_1, "", ITEM_1_2, MEMO_004]
    assert tokenize_many(texts) == [tokenize(t) for t in texts]
    many = [ITEM_1_1, ITEM_1_2] * 150
    assert tokenize_many(iter(many), workers=2) == [tokenize(t) for t in many]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        (" ", []),
        ("\n\t \r\n", []),
        ("\u200b", []),
        ("\ufeff", []),
        ("\u200b\ufeff\u200b", []),
        ("😀🎉🙂", []),
        ("(((", []),
        ("/...", []),
        ("\x00\x01\x07\x1f\x7f", []),
        ("\u0e48", []),
    ],
)
def test_empty_and_junk_inputs_give_no_tokens(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_decomposed_sara_am_matches_composed() -> None:
    assert tokenize("ดำเนินการ กำลัง") == tokenize("ด\u0e4d\u0e32เนินการ ก\u0e4d\u0e32ลัง")


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE chunks; --",
        "SELECT * FROM x WHERE a LIKE '%ท%'",
        r".*(a+)+$ \w+ [ก-ฮ]",
        "๑๒๓๔๕",
        "\ud800 broken surrogate",
        "\ufffd\ufffd",
        "ก" * 20_000,
        "การค้ามนุษย์ " * 2_000,
        "😀ยาเสพติด😀",
        "a" * 20_000,
    ],
)
def test_odd_inputs_do_not_crash(text: str) -> None:
    started = time.perf_counter()
    tokens = tokenize(text)
    assert isinstance(tokens, list) and all(isinstance(t, str) and t for t in tokens)
    assert time.perf_counter() - started < 10


def test_emoji_inside_thai_keeps_the_word() -> None:
    assert "ยาเสพติด" in tokenize("😀ยาเสพติด😀")


def test_query_tokens_drop_interrogatives_only() -> None:
    from indexer.thai_tokens import query_tokens

    assert query_tokens("ระยะเวลาดำเนินการคือช่วงไหน") == [
        t for t in tokenize("ระยะเวลาดำเนินการคือช่วงไหน") if t != "ไหน"]
    assert "ที่" in query_tokens("ที่ มท 0211.6 ให้ทำอะไร")
    assert "อะไร" not in query_tokens("ที่ มท 0211.6 ให้ทำอะไร")
    assert query_tokens("อะไร") == ["อะไร"]  # nothing else to search for
