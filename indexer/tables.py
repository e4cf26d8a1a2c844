"""Table rows as citable items.

Summary tables (สรุปข้อสั่งการ) arrive as tab-separated lines: a header row that
repeats at every page break, data rows, group rows that carry only their first
cell (a speaker such as ปลัดกระทรวงมหาดไทย, or a policy heading such as
นโยบาย ๓ ไร้ทุกข์) and continuation rows whose first cell is empty because the row
ran over a page break. Each data row becomes one item; group rows become context
(parents) of the rows below them; continuation rows are appended to their row;
agency columns become metadata of the row.
"""

from __future__ import annotations

import re

from indexer.drafts import Draft
from indexer.layout import Line
from indexer.normalize import clean_unicode, strip_html, to_arabic_digits

HEADER_WORDS_RE = re.compile(
    r"^(?:ลำดับ|ที่$|ประเด็น|เรื่อง|สรุปสาระ|หน่วยงาน|ผู้รับผิดชอบ|ข้อสั่งการ|รายการ|หมายเหตุ)"
)
ROW_NUMBER_RE = re.compile(r"^\s*(?P<num>[0-9๐-๙]{1,3}(?:\.[0-9๐-๙]{1,3})*)\s*[.)]?\s*(?=\S|$)")
NUMBER_ONLY_RE = re.compile(r"^\s*[0-9๐-๙]{1,3}\s*\.?\s*$")
AGENCY_SPLIT_RE = re.compile(r"\n|(?:^|\s)-\s+")


def _cells(line: Line) -> list[str]:
    # The raw line, not the stripped display text: a leading tab means an empty first cell.
    return [clean_unicode(cell).strip() for cell in line.raw.split("\t")]


def is_header_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    if len(filled) < 2:
        return False
    return sum(1 for c in filled if HEADER_WORDS_RE.match(c)) >= max(2, len(filled) - 1)


def split_agencies(cell: str) -> list[str]:
    text = strip_html(cell)
    parts = [p.strip(" -–•\t") for p in AGENCY_SPLIT_RE.split(text)]
    return [p for p in parts if p]


class _Columns:
    """Which column holds the number, the topic, the text and the agencies."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.number: int | None = None
        self.topic: int | None = None
        text: int | None = None
        self.agencies: dict[int, str] = {}
        for index, name in enumerate(header):
            if name.startswith("ลำดับ") or name == "ที่":
                self.number = index
            elif name.startswith("สรุปสาระ") or name.startswith("ข้อสั่งการ"):
                text = index
            elif name.startswith(("ประเด็น", "เรื่อง", "รายการ")):
                self.topic = index
            elif name.startswith(("หน่วยงาน", "ผู้รับผิดชอบ")):
                self.agencies[index] = re.sub(r"\s+", "", name)
        if text is None:
            # A table without a summary column keeps its substance in the topic column.
            text, self.topic = self.topic, None
        self.text: int = text if text is not None else (1 if len(header) > 1 else 0)


def parse_table(lines: list[Line], parents: list[str]) -> tuple[list[Draft], list[str]]:
    """Turn a block of tab-separated lines into row drafts; returns (drafts, warnings)."""
    drafts: list[Draft] = []
    warnings: list[str] = []
    columns: _Columns | None = None
    groups: list[str] = []
    ordinal = 0
    occurrences: dict[str, int] = {}
    contexts: dict[str, set[str]] = {}
    for line in lines:
        if line.blank:
            line.category = "blank"
            continue
        cells = _cells(line)
        if is_header_row(cells):
            if columns is None:
                columns = _Columns(cells)
            line.category = "furniture"
            continue
        if columns is None:
            columns = _Columns([""] * len(cells))
        first = cells[0] if cells else ""
        rest = [c for c in cells[1:] if c]
        if first and not rest:
            # A row with only its first cell: a speaker or a policy heading.
            label = strip_html(first)
            if groups and groups[-1].split(" ")[0] == label.split(" ")[0]:
                groups[-1] = label
            elif len(groups) >= 2:
                groups = [*groups[:1], label]
            else:
                groups.append(label)
            line.category = "chunks"
            drafts.append(
                Draft(
                    item=f"g{len(drafts) + 1}",
                    kind="group",
                    label="",
                    parents=list(parents),
                    texts=[label],
                    lines=[line],
                )
            )
            continue
        if not first and drafts and drafts[-1].kind == "row":
            _append_cells(drafts[-1], cells, columns)
            drafts[-1].lines.append(line)
            line.category = "chunks"
            continue
        ordinal += 1
        draft = _new_row(cells, columns, ordinal, [*parents, *groups])
        # Numbering restarts under each group row, so a repeated number is expected
        # there; the same number twice under one group is a misprint worth a warning.
        base, context = draft.item, "/".join(groups)
        occurrences[base] = occurrences.get(base, 0) + 1
        if occurrences[base] > 1:
            draft.item = f"{base}#{occurrences[base]}"
            if context in contexts.get(base, set()):
                warnings.append(f"duplicate table row number {base}")
        contexts.setdefault(base, set()).add(context)
        draft.lines.append(line)
        line.category = "chunks"
        drafts.append(draft)
    return [d for d in drafts if d.kind != "group"], warnings


def _new_row(cells: list[str], columns: _Columns, ordinal: int, parents: list[str]) -> Draft:
    number = ""
    topic = ""
    if columns.number is not None and columns.number < len(cells):
        number = to_arabic_digits(cells[columns.number]).strip(" .")
    if columns.topic is not None and columns.topic < len(cells):
        topic = strip_html(cells[columns.topic])
    if not number:
        source = topic or (cells[columns.text] if columns.text < len(cells) else "")
        match = ROW_NUMBER_RE.match(strip_html(source))
        if match and not NUMBER_ONLY_RE.match(source) and match.end() < len(source):
            number = to_arabic_digits(match.group("num"))
    draft = Draft(
        item=number or f"r{ordinal}",
        kind="row",
        label=number,
        parents=parents,
        meta={"row": ordinal, "agencies": {}},
    )
    if topic:
        draft.texts.append(topic)
        draft.meta["topic"] = topic
    _append_cells(draft, cells, columns)
    return draft


def _append_cells(draft: Draft, cells: list[str], columns: _Columns) -> None:
    if columns.text < len(cells) and cells[columns.text]:
        draft.texts.append(strip_html(cells[columns.text]))
    agencies: dict[str, list[str]] = draft.meta.setdefault("agencies", {})
    for index, name in columns.agencies.items():
        if index < len(cells) and cells[index]:
            known = agencies.setdefault(name or f"col{index}", [])
            known.extend(a for a in split_agencies(cells[index]) if a not in known)
    # Columns the header did not name still hold content; keep it rather than drop it.
    named = {columns.number, columns.topic, columns.text, *columns.agencies}
    for index, cell in enumerate(cells):
        if index not in named and cell:
            draft.texts.append(strip_html(cell))


def agency_lines(draft: Draft) -> list[str]:
    agencies: dict[str, list[str]] = draft.meta.get("agencies", {})
    return [f"{name}: {', '.join(values)}" for name, values in agencies.items() if values]
