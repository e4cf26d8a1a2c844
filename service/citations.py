"""Readable Thai references for passages: "มท 0211.6/ว 10303 ลงวันที่ 24 ต.ค. 2567 ข้อ 3.6".

Item paths come from the chunker: "3.6" and "5.1.(4)" are printed items, "p2" the
second paragraph before the items, "r6" the sixth row of a table, "4.5#2" the second
item printed as 4.5 (an out-of-sequence number kept apart), "list" a distribution
list. Attachments (part_index > 0) are named as สิ่งที่ส่งมาด้วย with their title,
because the same item number exists in the cover letter and in its enclosure.
"""

from __future__ import annotations

import re

from circulars.models import Citation, Hit
from indexer.thai_dates import thai_date

_PART_TITLE_CHARS = 40


def item_label(item: str) -> str:
    """The Thai name of an item path: "ข้อ 3.6", "ย่อหน้า 1", "ตาราง แถวที่ 6"."""
    base, _, copy = item.partition("#")
    if re.fullmatch(r"p\d+", base):
        label = f"ย่อหน้า {base[1:]}"
    elif re.fullmatch(r"r\d+", base):
        label = f"ตาราง แถวที่ {base[1:]}"
    elif base == "list":
        label = "รายชื่อผู้รับ"
    else:
        label = f"ข้อ {base}"
    if copy:
        label += f" (ที่พิมพ์ซ้ำ ลำดับที่ {copy})"
    return label


def part_label(part: str, part_index: int) -> str:
    """"" for the body of the letter, else "สิ่งที่ส่งมาด้วย 1 (title…)"."""
    if part_index <= 0:
        return ""
    title = " ".join(part.split())
    if len(title) > _PART_TITLE_CHARS:
        title = title[:_PART_TITLE_CHARS].rstrip() + "…"
    return f"สิ่งที่ส่งมาด้วย {part_index}" + (f" ({title})" if title else "")


def reference_label(doc_no: str | None, doc_id: str, date: str | None, item: str,
                    part: str, part_index: int) -> str:
    parts = [doc_no or f"หนังสือ {doc_id}"]
    printed = thai_date(date)
    if printed:
        parts.append(f"ลงวันที่ {printed}")
    where = part_label(part, part_index)
    if where:
        parts.append(where)
    parts.append(item_label(item))
    return " ".join(parts)


def hit_label(hit: Hit) -> str:
    return reference_label(hit.doc_no, hit.doc_id, hit.date, hit.item, hit.part, hit.part_index)


def citation_for(marker: int, hit: Hit) -> Citation:
    """The citation behind marker [marker], which points at `hit`."""
    return Citation(
        marker=marker, chunk_id=hit.chunk_id, doc_id=hit.doc_id, doc_no=hit.doc_no,
        date=hit.date, date_thai=thai_date(hit.date), subject=hit.subject, item=hit.item,
        part=hit.part, part_index=hit.part_index, issuer=hit.issuer, source=hit.source,
        start=hit.start, end=hit.end, label=hit_label(hit), also_in=list(hit.also_in),
    )
