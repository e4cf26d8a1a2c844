"""The label validator: every gold reference must name a chunk of the current index.

Gold labels are (doc_no, part_index, item) triples, the way the chunker numbers
directive items. A change to the chunker or to a corpus file can renumber or drop
items; scoring against such labels would silently count correct answers as
misses. `validate_labels` lists every question whose label no longer exists, with
a hint (the letter is missing, the part is missing, or which items the part has),
on top of the set's own checks (unique ids, known kinds, both splits present).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from circulars.models import Chunk
from eval.data import Question, check_questions, label_key


def index_labels(chunks: Iterable[Chunk]) -> dict[str, dict[int, list[str]]]:
    """doc_no (or letter id) -> part_index -> item labels, in index order."""
    labels: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for chunk in chunks:
        items = labels[chunk.doc_no or chunk.doc_id][chunk.part_index]
        if chunk.item not in items:
            items.append(chunk.item)
    return labels


def validate_labels(questions: list[Question], chunks: Iterable[Chunk],
                    path: Path | str = "questions") -> list[str]:
    """All problems: the set's own (see `check_questions`), then broken gold labels."""
    problems = check_questions(questions, path)
    labels = index_labels(chunks)
    for q in questions:
        for gold in q.gold:
            parts = labels.get(gold.doc_no)
            if parts is None:
                hint = "ไม่มีหนังสือเลขนี้ในดัชนี / no letter with this number in the index"
            elif gold.part_index not in parts:
                hint = (f"หนังสือนี้ไม่มีส่วนที่ {gold.part_index} / the letter has no part "
                        f"{gold.part_index} (parts: {', '.join(map(str, sorted(parts)))})")
            elif gold.item not in parts[gold.part_index]:
                items = parts[gold.part_index]
                shown = ", ".join(items[:25]) + (" …" if len(items) > 25 else "")
                hint = f"ไม่มีข้อนี้ / no such item; part {gold.part_index} has: {shown}"
            else:
                continue
            problems.append(f"{path}:{q.line}: {q.id}: ป้ายกำกับเสีย / broken label "
                            f"{label_key(gold.doc_no, gold.part_index, gold.item)} — {hint}")
    return problems
