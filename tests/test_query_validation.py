"""`retriever.query.validate_query`: the one gate every query passes (API, UI, CLI,
library), so its refusals are Thai and English and its length limit is one rule."""

from __future__ import annotations

import pytest

from retriever.query import QueryError, validate_query


@pytest.mark.parametrize("query, position", [
    ("\ud800", 1), ("\ud800x", 1), ("ยาเสพติด\udfff", 9), ("\udc00\ud800", 1),
])
def test_text_that_is_not_utf8_is_refused(query: str, position: int) -> None:
    with pytest.raises(QueryError) as caught:
        validate_query(query, 2_000)
    assert "not valid Unicode" in caught.value.english
    assert f"position {position}" in caught.value.english
    assert "Unicode" in caught.value.thai and f"ตำแหน่งที่ {position}" in caught.value.thai


def test_length_counts_the_trimmed_text() -> None:
    padded = " \n\t" + "ก" * 10 + "\u200b  \n"
    assert validate_query(padded, 10) == "ก" * 10
    with pytest.raises(QueryError) as caught:
        validate_query("  " + "ก" * 11 + "  ", 10)
    assert "(11)" in caught.value.english and "(11)" in caught.value.thai


def test_empty_is_still_empty() -> None:
    for query in ("", " ", "\u200b\ufeff", "\n\t"):
        with pytest.raises(QueryError, match="empty"):
            validate_query(query, 10)
