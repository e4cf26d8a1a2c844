"""The UI's HTML and callbacks without a browser: escaping, highlighting, the letter
view, and visible messages for errors and for "not found"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from circulars.models import Answer, Citation, Hit, Letter
from retriever.search import Searcher
from service.app import create_app
from service.letters import LetterView, LocatedChunk, letter_view
from service.settings import ServiceSettings
from service.state import ServiceState
from tests.fakes import HashEmbedder
from tests.test_service_helpers import build_seed_index, seed_searcher
from ui import render
from ui.app import ALL_ISSUERS, UiActions

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return seed_searcher(build_seed_index(tmp_path_factory.mktemp("ui-index")))


@pytest.fixture(scope="module")
def actions(searcher: Searcher) -> UiActions:
    settings = ServiceSettings(index_dir=searcher.version_dir.parent)
    return UiActions(ServiceState(settings, searcher=searcher))


def hit(text: str, **changes: Any) -> Hit:
    base: dict[str, Any] = dict(
        rank=1, score=1.0, chunk_id="c1", doc_id="d1", text=text, doc_no="มท 0211.6/ว 10303",
        date="2024-10-24", subject="เรื่อง", issuer="กระทรวงมหาดไทย", item="3.6", parents=[],
        source="s.txt", start=0, end=10, part="body", kind="item")
    base.update(changes)
    return Hit(**base)


def ask(actions: UiActions, question: str, date_from: str = "", date_to: str = "",
        issuer: str = ALL_ISSUERS, mode: str = "hybrid", k: float = 5,
        doc_no_prefix: str = "") -> tuple[Any, ...]:
    return actions.ask(question, date_from, date_to, issuer, mode, k, doc_no_prefix)


# ------------------------------------------------------------------- render
def test_highlight_escapes_and_marks_terms() -> None:
    html = render.highlight(f"น้ำท่วม {EVIL} ยาเสพติด ๒๕๖๘", ["น้ำท่วม", "ยาเสพติด", "2568", "ก"])
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "<mark>น้ำท่วม</mark>" in html and "<mark>ยาเสพติด</mark>" in html
    assert "<mark>๒๕๖๘</mark>" in html  # Thai digits match the Arabic-digit term
    assert html.count("<mark>") == 3  # one-letter terms are not highlighted
    assert render.term_spans("ร่วมทั้ง มท", ["มท"]) == [(9, 11)]  # whole words only
    assert render.term_spans("ข้อ ๓.๖ และ 3.6", ["3.6"]) == [(4, 7), (12, 15)]


def test_copies_name_their_letter_or_enclosure() -> None:
    html = render.passages_html([hit("ขยายผลศูนย์จัดการกองทุนชุมชน", also_in=[
        {"doc_no": "นร 0017.2/ว 469", "item": "4.1", "part_index": 0},
        {"doc_no": "มท 0211.6/ว 339", "item": "1#2", "part_index": 1}])], "กองทุนชุมชน")
    assert "ปรากฏที่อื่นด้วย: นร 0017.2/ว 469 ข้อ 4.1, มท 0211.6/ว 339 สิ่งที่ส่งมาด้วย 1 ข้อ 1#2" in html
    # A citation names them too: the reader may hold the ministry's letter, not the copy.
    citation = Citation(marker=1, chunk_id="c1", doc_id="d1", doc_no="นร 0017.2/ว 469",
                        date=None, date_thai=None, subject=None, item="4.1", part="body",
                        part_index=0, issuer=None, source="s", start=0, end=1,
                        label="นร 0017.2/ว 469 ข้อ 4.1",
                        also_in=[{"doc_no": "มท 0211.6/ว 339", "item": "4.1", "part_index": 0}])
    assert "ข้อความเดียวกันใน: มท 0211.6/ว 339 ข้อ 4.1" in render.citations_html([citation])


def test_official_wordings_searched_are_shown_and_marked() -> None:
    text = "เร่งช่วยเหลือผู้ประสบอุทกภัยโดยเร็ว"
    html = render.passages_html([hit(text)], "น้ำท่วมต้องทำอะไร",
                                expansions=[("น้ำท่วม", ["อุทกภัย", "ผู้ประสบอุทกภัย"])])
    assert "ค้นรวมคำทางการ / also searched as: น้ำท่วม → อุทกภัย, ผู้ประสบอุทกภัย" in html
    assert "<mark>" in html and "อุทกภัย</mark>" in html
    assert "also searched" not in render.passages_html([hit(text)], "น้ำท่วม")


def test_user_and_document_text_is_never_raw_html() -> None:
    citation = Citation(marker=1, chunk_id="c1", doc_id="d1", doc_no=EVIL, date=None,
                        date_thai=None, subject=EVIL, item="1", part="body", part_index=0,
                        issuer=EVIL, source="s", start=0, end=1, label=EVIL,
                        also_in=[{"doc_no": EVIL, "item": EVIL}])
    result = Answer(question=EVIL, answer=f"{EVIL} [1]", citations=[citation],
                    passages=[hit(EVIL, doc_no=EVIL, parents=[EVIL],
                                  also_in=[{"doc_no": EVIL, "item": EVIL}])],
                    generator=EVIL, warnings=[EVIL])
    pieces = [render.answer_html(result), render.citations_html(result.citations),
              render.passages_html(result.passages, EVIL), render.message("error", EVIL, EVIL)]
    for html in pieces:
        assert "<script" not in html and "<img" not in html, html
    assert '<sup class="cite">[1]</sup>' in pieces[0]


def test_letter_view_highlights_the_cited_item() -> None:
    letter = Letter(id="d1", source="s.txt", doc_no="มท 1/ว 2", doc_no_raw=None,
                    date="2024-10-24", date_raw=None, subject=EVIL, to=None)
    text = "ที่ มท ๑/ว ๒\nข้อ ๑ <b>เตรียม</b>\nความพร้อม\nข้อ ๒ อื่น ๆ"
    chunk_text = "ข้อ ๑ <b>เตรียม</b> ความพร้อม"
    start = text.index("ข้อ ๑")
    end = text.index("ความพร้อม") + len("ความพร้อม")
    from circulars.models import Chunk

    chunk = Chunk(chunk_id="c1", doc_id="d1", source="s.txt", part="body", part_index=0,
                  item="1", kind="item", parents=[], text=chunk_text, index_text=chunk_text,
                  start=0, end=0, seq=0)
    view = LetterView(letter, text, [LocatedChunk(chunk, start, end)])
    html = render.letter_html(view, "c1")
    cited = '<mark class="cited" id="cited-item">ข้อ ๑ &lt;b&gt;เตรียม&lt;/b&gt;\nความพร้อม</mark>'
    assert cited in html
    assert "<b>" not in html and "24 ต.ค. 2567" in html and "&lt;script&gt;" in html
    missing = LetterView(letter, text, [LocatedChunk(chunk, None, None)])
    assert "ไม่พบตำแหน่ง" in render.letter_html(missing, "c1")


# ---------------------------------------------------------------- callbacks
def test_ask_callback_shows_answer_citations_passages_and_letter(actions: UiActions) -> None:
    status, answer, citations, passages, pick, letter = ask(
        actions, "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร")
    assert status == ""
    assert '<sup class="cite">[1]</sup>' in answer and "เตรียมความพร้อม" in answer
    assert "มท 0211.6/ว 10303 ลงวันที่ 24 ต.ค. 2567 ข้อ 3.6" in citations
    assert "<mark>" in passages
    assert pick.value and pick.choices and pick.choices[0][0].startswith("[1] มท 0211.6/ว 10303")
    assert 'class="cited"' in letter and "เตรียมความพร้อมรับมือ" in letter


@pytest.mark.parametrize("question, date_from, words", [
    ("", "", "กรุณาพิมพ์คำถาม"),
    ("  \n ", "", "กรุณาพิมพ์คำถาม"),
    ("ก" * 2_001, "", "ยาวเกิน"),
    ("ยาเสพติด", "24/10/2567", "ปปปป-ดด-วว"),
])
def test_bad_input_is_a_visible_message(actions: UiActions, question: str, date_from: str,
                                        words: str) -> None:
    status, answer, *_ = ask(actions, question, date_from=date_from)
    assert 'class="msg msg-error"' in status and words in status and answer == ""


def test_not_found_is_a_visible_message(actions: UiActions) -> None:
    status, answer, citations, passages, _, letter = ask(actions, "quantum chromodynamics")
    assert "ไม่พบข้อมูลในหนังสือเวียนที่มีอยู่" in status and "msg-notice" in status
    assert "ไม่พบข้อมูลในหนังสือเวียนที่มีอยู่" in answer and citations == "" and letter == ""
    assert "ข้อความที่ใกล้เคียงที่สุด" in passages


def test_filters_and_issuers(actions: UiActions) -> None:
    choices = actions.issuer_choices().choices
    names = [c[0] if isinstance(c, tuple) else c for c in choices]
    assert names[0] == ALL_ISSUERS and "จังหวัดเชียงใหม่" in names
    _, _, citations, _, _, _ = ask(actions, "การป้องกันและแก้ไขปัญหายาเสพติด",
                                   issuer="จังหวัดเชียงใหม่", mode="bm25", k=3)
    assert "ขม 0017.2/ว 38028" in citations and "มท 0211.6" not in citations
    _, _, citations, _, _, _ = ask(actions, "การป้องกันและแก้ไขปัญหายาเสพติด",
                                   date_from="2025-01-01", date_to="2025-12-31")
    assert "2568" in citations and "2563" not in citations
    _, _, citations, passages, _, _ = ask(actions, "ขยายผลศูนย์จัดการกองทุนชุมชน",
                                          doc_no_prefix="  มท 0211 ", k=10)
    assert "มท 0211" in citations and "นร 0017.2" not in passages + citations


def test_letter_callback(actions: UiActions, searcher: Searcher) -> None:
    assert actions.letter(None) == ""
    assert "msg-error" in actions.letter("no-such-chunk")
    chunk_id = searcher.search("ฝุ่นละอองขนาดเล็ก PM2.5", k=1)[0].chunk_id
    assert 'id="cited-item"' in actions.letter(chunk_id)


def test_no_index_is_a_visible_message(tmp_path: Path) -> None:
    state = ServiceState(ServiceSettings(index_dir=tmp_path / "none", index_retry_seconds=0),
                         embedder=HashEmbedder())
    state.load()
    status, *_ = UiActions(state).ask("ยาเสพติด", "", "", ALL_ISSUERS, "hybrid", 5)
    assert "msg-error" in status and "circulars index" in status
    assert UiActions(state).issuer_choices().choices[0][0] == ALL_ISSUERS


def test_ui_is_mounted(searcher: Searcher) -> None:
    settings = ServiceSettings(index_dir=searcher.version_dir.parent)
    with TestClient(create_app(settings, searcher=searcher)) as client:
        page = client.get("/ui/")
        assert page.status_code == 200 and "ถามตอบหนังสือเวียน" in page.text
        assert "fonts.googleapis.com" not in page.text


def test_seed_letter_view_has_located_chunks(searcher: Searcher) -> None:
    letter_id = searcher.search("มท 0211.6/ว 10303 ข้อ 3.6", k=1)[0].doc_id
    view = letter_view(searcher, letter_id)
    assert view is not None and view.letter.doc_no == "มท 0211.6/ว 10303"
    assert all(c.display_start is not None for c in view.chunks)


def test_broken_generator_is_a_visible_warning(searcher: Searcher) -> None:
    settings = ServiceSettings(index_dir=searcher.version_dir.parent, generator="openai",
                               generator_model="llama3")
    state = ServiceState(settings, searcher=searcher)
    state.load()  # the generator cannot load: no CIRCULARS_GENERATOR_URL
    status, answer, citations, *_ = ask(UiActions(state), "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร")
    assert status == "" and "ข้อ 3.6" in citations
    assert 'class="warnings"' in answer and "generator openai is unavailable" in answer
    assert "CIRCULARS_GENERATOR_URL" in answer
