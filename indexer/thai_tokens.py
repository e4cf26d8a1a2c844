"""Thai word tokens for lexical (BM25) matching.

Method. Text is first brought to the index form (`indexer.normalize.index_form`: NFC,
PyThaiNLP normalisation, Thai digits as Arabic, known OCR slips fixed, whitespace
collapsed) and Latin is lowercased. Thai has no spaces between words, so words come from
PyThaiNLP's `newmm` engine: dictionary maximal matching constrained by Thai Character
Cluster boundaries. A regex `\\w+` splitter is never used: Python's `\\w` excludes Thai
vowel and tone marks, so it shreds every word at its first mark (การค้ามนุษย์ becomes
การค, ามน, ...).

Speed. Printed Thai puts spaces between phrases, and newmm does not match across a space
except for a few dictionary entries such as "ทุก ๆ". So the text is split on spaces and
each phrase is segmented once and cached: government text repeats the same phrases
(ผู้ว่าราชการจังหวัด, กระทรวงมหาดไทย) across thousands of chunks. On the MOI news set a
32k-phrase cache serves ~45% of phrases and cuts tokenizing time by about a quarter; a
larger cache gains little. Tokens are interned, so a large corpus's token lists share
their strings. About a third of the remaining time is `index_form` (PyThaiNLP's
`normalize`), the rest is newmm.

Token clean-up, applied the same way to documents and queries:

* Leading and trailing punctuation and symbols are stripped from each token, so the
  item marker "(4)" becomes "4", "พ.ศ." becomes "พ.ศ" and "3.6." becomes "3.6". A query
  "ข้อ (4)" and a text "ข้อ 4" then share tokens; the brackets carry no meaning for search.
* Tokens with no letter or digit (punctuation, whitespace, emoji, symbols) are dropped,
  as are the bare marks ฯ, ๆ and ฯลฯ.
* Numbers stay whole: "0211.6", "3.6", "2568", "10.00". Thousands separators are removed
  ("1,000" becomes "1000") so both spellings match.

Document numbers (มท ๐๒๑๑.๖/ว ๑๐๓๐๓) are split by newmm into มท, 0211.6, ว, 10303. To
make a number findable as a unit, each one matched by `indexer.doc_numbers.DOC_NO_RE`
also yields its compact form "มท0211.6/ว10303", "ว10303" and "10303". Any
"ว" token directly followed by a number yields "ว10303", which is how a query typed as
"ว 10303" or "ว๑๐๓๐๓" (no prefix, so not a full document number) reaches the letter.

No stopword list is applied to documents: BM25's idf already discounts ที่, และ, ของ, and
dropping them would break phrase-like queries such as "ที่ มท". Queries lose only their
interrogative words (`query_tokens`: อะไร, อย่างไร, ใคร, กี่ ...), which say what kind of
answer is wanted, not what it is about; in a corpus of statements they are rare, so idf
would otherwise weight them highly and reward any passage that happens to contain one.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from importlib import metadata
from itertools import pairwise

from pythainlp.tokenize import word_tokenize

from indexer.doc_numbers import DOC_NO_RE, parse_match
from indexer.normalize import index_form

ENGINE = "newmm"
# newmm's dictionary ships with PyThaiNLP and changes between its releases, so the same
# text can segment differently after an upgrade. The manifest records this beside
# TOKENIZER_ID, and a build re-segments every chunk when it differs.
SEGMENTER = f"pythainlp {metadata.version('pythainlp')} {ENGINE}"
# Thai letters that act as punctuation (abbreviation and repetition marks).
_MARK_TOKENS = frozenset({"ฯ", "ๆ", "ฯลฯ"})
_GROUPED_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER_RE = re.compile(r"\d+")
_CIRCULAR_MARK = "ว"


@lru_cache(maxsize=4096)
def _is_edge_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PSZC"


def _strip_edges(token: str) -> str:
    start, end = 0, len(token)
    while start < end and _is_edge_junk(token[start]):
        start += 1
    while end > start and _is_edge_junk(token[end - 1]):
        end -= 1
    return token[start:end]


def _clean_token(token: str) -> str | None:
    # Most tokens are plain words; skip the per-character scan for them.
    if not (token and token[0].isalnum() and not _is_edge_junk(token[-1])):
        token = _strip_edges(token)
        if not any(c.isalnum() for c in token):
            return None
    if token in _MARK_TOKENS:
        return None
    if "," in token and _GROUPED_NUMBER_RE.fullmatch(token):
        return token.replace(",", "")
    return token


@lru_cache(maxsize=1 << 15)
def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    words = word_tokenize(phrase, engine=ENGINE, keep_whitespace=False)
    cleaned = (_clean_token(w) for w in words)
    return tuple(sys.intern(w) for w in cleaned if w)


def _running_number(digits: str) -> str:
    return digits.lstrip("0") or "0"


def _doc_number_tokens(text: str) -> list[str]:
    extra: list[str] = []
    for match in DOC_NO_RE.finditer(text):
        number = parse_match(match)
        extra.append(number.compact)
        if number.circular:  # newmm may glue ว to a neighbour; the regex does not
            extra.append(_CIRCULAR_MARK + number.number)
        extra.append(number.number)
    return extra


def tokenize(text: str) -> list[str]:
    """Index-form Thai/Latin text to BM25 tokens (see the module docstring)."""
    if not text or text.isspace():
        return []
    norm = index_form(text).lower()
    tokens: list[str] = []
    for phrase in norm.split(" "):
        if phrase:
            tokens.extend(_phrase_tokens(phrase))
    extra = [
        _CIRCULAR_MARK + _running_number(nxt)
        for tok, nxt in pairwise(tokens)
        if tok == _CIRCULAR_MARK and _NUMBER_RE.fullmatch(nxt)
    ]
    extra.extend(_doc_number_tokens(norm))
    if extra:
        seen = set(tokens)
        for tok in extra:
            if tok not in seen:
                seen.add(tok)
                tokens.append(tok)
    return tokens


INTERROGATIVES = frozenset({
    "อย่างไร", "ยังไง", "อะไร", "ใคร", "ไหน", "ที่ไหน", "แห่งใด", "ใด", "เมื่อไร", "เมื่อไหร่",
    "เท่าไร", "เท่าไหร่", "กี่", "ไหม", "มั้ย", "หรือไม่", "หรือเปล่า", "บ้าง", "ทำไม", "แค่ไหน",
    "เพียงใด",
})


def query_tokens(text: str) -> list[str]:
    """BM25 tokens of a query: `tokenize` without interrogative words (all of them, if
    nothing else is left)."""
    tokens = tokenize(text)
    return [t for t in tokens if t not in INTERROGATIVES] or tokens


def tokenize_many(texts: Iterable[str], workers: int = 1) -> list[list[str]]:
    """Tokenize many texts; `workers > 1` uses processes (newmm is pure Python, GIL-bound)."""
    items: Sequence[str] = texts if isinstance(texts, Sequence) else list(texts)
    if workers <= 1 or len(items) < 256:
        return [tokenize(t) for t in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(tokenize, items, chunksize=64))
