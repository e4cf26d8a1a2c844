"""The Gradio page: a question box with examples, filters, the answer with its
citations, the passages with matching words highlighted, and the whole letter with
the cited item marked.

`UiActions` holds the callbacks, which only call the core (`service.answer.answer`,
`service.letters`) and `ui.render`; they never raise into Gradio, so every
problem (bad input, no index, nothing found) is a visible Thai message.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
from fastapi import FastAPI
from pydantic import ValidationError

from retriever.query import QueryError
from service.answer import answer
from service.errors import ApiError, translate_error
from service.letters import chunk_by_id, issuers, letter_view
from service.schemas import MAX_K, FiltersIn
from service.state import ServiceState
from ui import render

log = logging.getLogger(__name__)

EXAMPLES = [
    "น้ำท่วมต้องเตรียมรับมืออย่างไร",
    "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร",
    "ใครรับผิดชอบเรื่องการค้ามนุษย์ในเชียงใหม่",
    "การประเมิน ITA ต้องได้คะแนนระดับไหน",
    "สรุปหนังสือ ว 10303 ให้หน่อย",
    "มีหนังสือเวียนอะไรบ้าง",
    "ว 469 กับ ว 339 ต่างกันอย่างไร",
]
ALL_ISSUERS = "ทุกส่วนราชการ"
MODES = [("ผสม (แนะนำ)", "hybrid"), ("ตามความหมาย", "dense"), ("ตามคำที่ตรงกัน (BM25)", "bm25")]
THAI_FONTS = ["Sarabun", "Noto Sans Thai", "Noto Sans Thai Looped", "Loma", "Garuda",
              "Tlwg Typist", "sans-serif"]

CSS = """
.answer-text p { margin: 0.3em 0; font-size: 1.08em; line-height: 1.7; }
sup.cite, .marker { color: #1d4ed8; font-weight: 600; }
.citations ul, .warnings { padding-left: 1.2em; }
.citations .detail, .meta, .also, .parent, .expanded, .msg .en { color: #555; font-size: 0.9em; }
.passage { border: 1px solid #ddd; border-radius: 8px; padding: 0.6em 0.8em; margin: 0.5em 0; }
.passage header { font-weight: 600; margin-bottom: 0.3em; }
.passage-text, .letter-text { white-space: pre-wrap; line-height: 1.7; }
.letter-text { position: relative; max-height: 36em; overflow-y: auto; border: 1px solid #ddd;
  border-radius: 8px; padding: 0.6em 0.8em; }
mark { background: #fde68a; padding: 0 1px; }
mark.cited { background: #bfdbfe; outline: 2px solid #3b82f6; }
.msg { border-radius: 8px; padding: 0.6em 0.9em; margin: 0.4em 0; }
.msg-error { background: #fee2e2; border: 1px solid #ef4444; }
.msg-notice { background: #fef3c7; border: 1px solid #f59e0b; }
.msg-info { background: #e0f2fe; border: 1px solid #0ea5e9; }
.letter-meta th { text-align: left; padding-right: 1em; white-space: nowrap; }
"""

# Scroll the letter box to the cited item whenever one is shown (the HTML is rebuilt
# on every answer, so a MutationObserver catches each new one, and tab switches).
SCROLL_JS = """() => {
  const done = new WeakSet();
  const reveal = () => {
    const mark = document.getElementById("cited-item");
    if (!mark || done.has(mark) || mark.offsetParent === null) return;
    const box = mark.closest(".letter-text");
    if (!box) return;
    done.add(mark);
    box.scrollTop = Math.max(0, mark.offsetTop - 80);
  };
  new MutationObserver(reveal).observe(document.body, {childList: true, subtree: true,
    attributes: true, attributeFilter: ["style", "class", "hidden"]});
}"""

AskOutputs = tuple[str, str, str, str, Any, str]


class UiActions:
    """The page's callbacks, over the service's shared state."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state

    def issuer_choices(self) -> Any:
        try:
            names = issuers(self.state.searcher())
        except ApiError:
            names = []
        return gr.Dropdown(choices=[ALL_ISSUERS, *names], value=ALL_ISSUERS)

    def ask(self, question: str, date_from: str, date_to: str, issuer: str | None, mode: str,
            k: float, doc_no_prefix: str = "") -> AskOutputs:
        """status, answer, citations, passages, letter picker, letter view."""
        empty_pick = gr.Dropdown(choices=[], value=None)
        try:
            filters = FiltersIn.model_validate({
                "date_from": (date_from or "").strip() or None,
                "date_to": (date_to or "").strip() or None,
                "issuer": None if issuer in (None, "", ALL_ISSUERS) else issuer,
                "doc_no_prefix": (doc_no_prefix or "").strip() or None})
            searcher = self.state.searcher()
            generator, notes = self.state.generator_for(None)
            result = answer(searcher, question or "", k=max(1, min(int(k), MAX_K)),
                            filters=filters.to_filters(), generator=generator,
                            min_score=self.state.settings.min_score, mode=mode or "hybrid",
                            notes=notes)
        except ValidationError as error:
            details = [translate_error(dict(e)) for e in error.errors()]
            return (render.message("error", "; ".join(d["th"] for d in details),
                                   "; ".join(d["en"] for d in details)), "", "", "",
                    empty_pick, "")
        except QueryError as error:
            return render.message("error", error.thai, error.english), "", "", "", empty_pick, ""
        except ApiError as error:
            return render.message("error", error.thai, error.english), "", "", "", empty_pick, ""
        except Exception:
            log.exception("ask failed")
            return (render.message("error", "เกิดข้อผิดพลาดภายในระบบ กรุณาลองใหม่",
                                   "internal error; please try again"), "", "", "",
                    empty_pick, "")
        status = "" if not result.not_found else render.message(
            "notice", "ไม่พบข้อมูลในหนังสือเวียนที่มีอยู่ — ข้อความด้านล่างคือข้อความที่ใกล้เคียงที่สุด",
            "not found in the circulars; the closest passages are listed below")
        choices = [(f"[{c.marker}] {c.label}", c.chunk_id) for c in result.citations]
        first = choices[0][1] if choices else None
        heading = "ข้อความที่ใกล้เคียงที่สุด" if result.not_found else "ข้อความที่ค้นพบ"
        return (status, render.answer_html(result), render.citations_html(result.citations),
                render.passages_html(result.passages, result.question, heading,
                                     searcher.expansions(result.question)),
                gr.Dropdown(choices=choices, value=first),
                self.letter(first) if first else "")

    def letter(self, chunk_id: str | None) -> str:
        """The whole letter holding `chunk_id`, with that item highlighted."""
        if not chunk_id:
            return ""
        try:
            searcher = self.state.searcher()
            chunk = chunk_by_id(searcher, chunk_id)
            view = letter_view(searcher, chunk.doc_id) if chunk else None
        except ApiError as error:
            return render.message("error", error.thai, error.english)
        if view is None:
            return render.message("error", "ไม่พบหนังสือฉบับนี้ในดัชนี", "letter not in the index")
        return render.letter_html(view, chunk_id)


def build_ui(state: ServiceState) -> gr.Blocks:
    actions = UiActions(state)
    with gr.Blocks(title="ถามตอบหนังสือเวียน", analytics_enabled=False) as blocks:
        gr.Markdown("# ถามตอบหนังสือเวียน\nพิมพ์คำถามเป็นภาษาไทย ระบบจะตอบจากหนังสือเวียนในดัชนี "
                    "พร้อมอ้างอิงเลขที่หนังสือ วันที่ และข้อที่สั่งการ")
        with gr.Row():
            # No max_length: the browser would cut a pasted question silently; the
            # server's check says how long it is and what the limit is instead.
            question = gr.Textbox(label="คำถาม", placeholder="เช่น น้ำท่วมต้องเตรียมรับมืออย่างไร",
                                  lines=2, max_lines=6, scale=5, elem_id="question")
            ask_button = gr.Button("ถาม", variant="primary", scale=1, elem_id="ask-button")
        gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[question], label="ตัวอย่างคำถาม")
        with gr.Accordion("ตัวกรองและตัวเลือกขั้นสูง", open=False):
            with gr.Row():
                date_from = gr.Textbox(label="ตั้งแต่วันที่ (ค.ศ. ปปปป-ดด-วว)",
                                       placeholder="2024-01-01", elem_id="date-from")
                date_to = gr.Textbox(label="ถึงวันที่ (ค.ศ. ปปปป-ดด-วว)",
                                     placeholder="2025-12-31", elem_id="date-to")
                issuer = gr.Dropdown(label="ส่วนราชการเจ้าของหนังสือ", choices=[ALL_ISSUERS],
                                     value=ALL_ISSUERS, allow_custom_value=True,
                                     elem_id="issuer")
                doc_no_prefix = gr.Textbox(label="เลขที่หนังสือขึ้นต้นด้วย",
                                           placeholder="มท 0211", elem_id="doc-no-prefix")
            with gr.Row():
                mode = gr.Radio(label="วิธีค้นหา", choices=MODES, value="hybrid",
                                elem_id="mode")
                k = gr.Slider(1, 20, value=5, step=1, label="จำนวนข้อความอ้างอิง (k)",
                              elem_id="k")
        status = gr.HTML(elem_id="status")
        answer_box = gr.HTML(elem_id="answer")
        citations_box = gr.HTML(elem_id="citations")
        with gr.Tabs():
            with gr.Tab("ข้อความที่ค้นพบ"):
                passages_box = gr.HTML(elem_id="passages")
            with gr.Tab("หนังสือฉบับเต็ม"):
                letter_pick = gr.Dropdown(label="ข้อความอ้างอิงที่จะแสดง", choices=[],
                                          elem_id="letter-pick")
                letter_box = gr.HTML(elem_id="letter")
        # New inputs go last: Gradio's /ask endpoint takes them by position.
        inputs = [question, date_from, date_to, issuer, mode, k, doc_no_prefix]
        outputs = [status, answer_box, citations_box, passages_box, letter_pick, letter_box]
        # Off Gradio's queue: through it, about half of the first presses after a page
        # load stayed pending for good (6 of 12 fresh pages, headless Chromium, Gradio
        # 6.31; 0 of 12 off it). The callbacks are short and thread-safe, as /api's are.
        ask_button.click(actions.ask, inputs, outputs, api_name="ask", queue=False)
        question.submit(actions.ask, inputs, outputs, api_visibility="private", queue=False)
        letter_pick.change(actions.letter, [letter_pick], [letter_box], api_visibility="private",
                           queue=False)
        blocks.load(actions.issuer_choices, None, [issuer], api_visibility="private",
                    queue=False)
    return blocks


def mount_ui(app: FastAPI, state: ServiceState, path: str) -> None:
    # Local font names only: the page must not fetch fonts from the internet.
    theme = gr.themes.Soft(font=THAI_FONTS, font_mono=["Tlwg Mono", "monospace"])
    gr.mount_gradio_app(app, build_ui(state), path=path, theme=theme, css=CSS, js=SCROLL_JS,
                        ssr_mode=False, footer_links=["api"], show_error=False)
