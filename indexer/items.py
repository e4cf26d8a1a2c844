"""Directive items: turn the lines of one part (a letter body or an attachment) into drafts.

Numbering styles nest as printed: `๑.`, `๑.๑`, `๓.๑.๒` (dotted, absolute), then
`(๑)`, `๑)`, `๑.๑)` and `(ก)` nested under whatever came before. The item path joins
the printed numbering from the top of the part with Arabic digits: `3.6`,
`5.1.(4)`, `3.3.1.(1).1)`. Unnumbered paragraphs before the first item, and closing
ones (จึงเรียนมา..., ทั้งนี้...), are preamble chunks of their own; other unnumbered
paragraphs after an item continue it, and a paragraph after a page-continuation
marker is stitched back into the item the page break cut.
Repeated numbering keeps both items under distinct paths (`3.2.1#2`) and warns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.drafts import Draft
from indexer.furniture import is_continuation_marker
from indexer.layout import Line, join_wrapped, paragraphs
from indexer.normalize import to_arabic_digits
from indexer.tables import agency_lines, parse_table

_N = "[0-9๐-๙]{1,3}"
DOTTED_RE = re.compile(rf"^(?P<num>{_N}(?:\.{_N})+)\.?(?=\s|$)|^(?P<top>{_N})\.(?=\s|$)")
PAREN_RE = re.compile(rf"^\((?P<num>{_N})\)(?=\s|\S)")
RPAREN_RE = re.compile(rf"^(?P<num>{_N}(?:\.{_N})*)\)(?=\s|\S)")
THAI_PAREN_RE = re.compile(r"^\((?P<num>[ก-ฮ])\)(?=\s)")
CLOSING_RE = re.compile(r"^(?:จึงเรียนมา|จึงเรียน|ทั้งนี้|อนึ่ง|หากมีข้อสงสัย)")


@dataclass
class Marker:
    style: str  # dotted / paren / rparen / thai
    components: list[str]  # dotted only: ["3", "1", "2"]
    label: str  # path component for non-dotted styles: "(4)", "1)", "(ก)"
    printed: str


def match_marker(text: str) -> Marker | None:
    match = DOTTED_RE.match(text)
    if match:
        raw = match.group("num") or match.group("top")
        return Marker("dotted", to_arabic_digits(raw).split("."), "", match.group(0))
    match = PAREN_RE.match(text)
    if match:
        num = to_arabic_digits(match.group("num"))
        return Marker("paren", [], f"({num})", match.group(0))
    match = RPAREN_RE.match(text)
    if match:
        num = to_arabic_digits(match.group("num"))
        return Marker("rparen", [], f"{num})", match.group(0))
    match = THAI_PAREN_RE.match(text)
    if match:
        return Marker("thai", [], f"({match.group('num')})", match.group(0))
    return None


@dataclass
class _Open:
    marker: Marker
    path: str
    draft: Draft


@dataclass
class PartResult:
    drafts: list[Draft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    likely: dict[str, str] = field(default_factory=dict)  # misprinted path -> likely path


def _split_paragraph(group: list[Line]) -> list[list[Line]]:
    """A paragraph whose later lines start with dotted numbers is really a list."""
    pieces: list[list[Line]] = [[group[0]]]
    for line in group[1:]:
        marker = match_marker(line.text)
        if marker is not None and marker.style == "dotted":
            pieces.append([line])
        else:
            pieces[-1].append(line)
    return pieces


def parse_part(lines: list[Line], name: str) -> PartResult:
    """Parse one part. `name` is only used in warnings."""
    result = PartResult()
    stack: list[_Open] = []
    paths: dict[str, int] = {}
    preamble_count = 0
    after_marker = False

    blocks = _blocks(lines)
    for block_lines, is_table in blocks:
        if is_table:
            headings = [o.draft.heading() for o in stack]
            rows, table_warnings = parse_table(block_lines, headings)
            for row in rows:
                row.item = _unique(row.item, paths, result.warnings, name, warn=False)
                row.texts.extend(agency_lines(row))
            result.drafts.extend(rows)
            result.warnings.extend(f"{name}: {w}" for w in table_warnings)
            after_marker = False
            continue
        for group in paragraphs(block_lines):
            if is_continuation_marker(group[0].text) and len(group) == 1:
                group[0].category = "furniture"
                after_marker = True
                continue
            for piece in _split_paragraph(group):
                text = join_wrapped([line.text for line in piece])
                for line in piece:
                    line.category = "chunks"
                marker = match_marker(text)
                if marker is None:
                    if stack and (after_marker or not CLOSING_RE.match(text)):
                        current = stack[-1].draft
                        if after_marker and current.texts:
                            current.texts[-1] = join_wrapped([current.texts[-1], text])
                            current.stitched += 1
                        else:
                            current.texts.append(text)
                        current.lines.extend(piece)
                    else:
                        preamble_count += 1
                        stack.clear()
                        result.drafts.append(
                            Draft(
                                item=f"p{preamble_count}",
                                kind="preamble",
                                label="",
                                parents=[],
                                texts=[text],
                                lines=list(piece),
                            )
                        )
                    after_marker = False
                    continue
                after_marker = False
                path, parents = _place(marker, stack, paths, result, name)
                draft = Draft(
                    item=path,
                    kind="item",
                    label=marker.printed.strip(),
                    parents=[o.draft.heading() for o in parents],
                    texts=[text],
                    lines=list(piece),
                )
                if path in result.likely:
                    draft.meta["likely_item"] = result.likely[path]
                stack[:] = [*parents, _Open(marker, path.split("#")[0], draft)]
                result.drafts.append(draft)
    return result


def _blocks(lines: list[Line]) -> list[tuple[list[Line], bool]]:
    """Split a part into runs of table lines (tab-separated) and runs of prose."""
    blocks: list[tuple[list[Line], bool]] = []
    for line in lines:
        is_table = "\t" in line.raw
        if line.blank and blocks:
            blocks[-1][0].append(line)
            continue
        if blocks and blocks[-1][1] == is_table:
            blocks[-1][0].append(line)
        else:
            blocks.append(([line], is_table))
    return blocks


def _place(
    marker: Marker, stack: list[_Open], paths: dict[str, int], result: PartResult, name: str
) -> tuple[str, list[_Open]]:
    """Find the new item's parents on the open stack and its unique path."""
    if marker.style == "dotted":
        depth = len(marker.components)
        parents = [
            o
            for o in stack
            if o.marker.style == "dotted"
            and len(o.marker.components) < depth
            and o.marker.components == marker.components[: len(o.marker.components)]
        ]
        path = ".".join(marker.components)
        current_top = next(
            (o.marker.components[0] for o in stack if o.marker.style == "dotted"), None
        )
        if (
            path in paths
            and depth > 1
            and current_top is not None
            and int(current_top) > int(marker.components[0])
        ):
            # A sub-item printed under the wrong head (seed 003 prints ๔.๕ inside
            # item ๘): keep the current head as parent and say what was likely meant.
            parents = [
                o for o in stack if o.marker.style == "dotted" and len(o.marker.components) < depth
            ]
            siblings = sum(
                1
                for d in result.drafts
                if d.item.startswith(f"{current_top}.") and d.item.count(".") == 1
            )
            likely = f"{current_top}.{siblings + 1}"
            unique = _unique(path, paths, result.warnings, name, warn=False)
            result.likely[unique] = likely
            result.warnings.append(
                f"{name}: item {path} is out of sequence under item {current_top}; "
                f"kept as {unique} (likely {likely})"
            )
            return unique, parents
        return _unique(path, paths, result.warnings, name), parents
    same = next(
        (i for i in range(len(stack) - 1, -1, -1) if stack[i].marker.style == marker.style), None
    )
    parents = stack[:same] if same is not None else list(stack)
    base = parents[-1].path if parents else ""
    path = f"{base}.{marker.label}" if base else marker.label
    return _unique(path, paths, result.warnings, name), parents


def _unique(
    path: str, paths: dict[str, int], warnings: list[str], name: str, warn: bool = True
) -> str:
    count = paths.get(path, 0) + 1
    paths[path] = count
    if count == 1:
        return path
    unique = f"{path}#{count}"
    paths[unique] = 1
    if warn:
        warnings.append(f"{name}: item {path} appears {count} times; kept as {unique}")
    return unique
