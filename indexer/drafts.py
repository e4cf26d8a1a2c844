"""The intermediate unit between parsing and chunking: one citable piece of a part."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.layout import Line


@dataclass
class Draft:
    item: str  # item path: "3.6", "5.1.(4)", "p1", "1" for a table row
    kind: str  # item / row / preamble / closing / text / distribution
    label: str  # the numbering as printed, "" when there is none
    parents: list[str]
    texts: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    stitched: int = 0  # how many page breaks were stitched back into this item

    @property
    def text(self) -> str:
        return "\n".join(t for t in self.texts if t)

    @property
    def start(self) -> int:
        return min(line.start for line in self.lines) if self.lines else 0

    @property
    def end(self) -> int:
        return max(line.end for line in self.lines) if self.lines else 0

    def heading(self, limit: int = 160) -> str:
        first = self.texts[0] if self.texts else ""
        if len(first) <= limit:
            return first
        cut = first.rfind(" ", 0, limit)
        return first[: cut if cut > limit // 2 else limit] + "…"
