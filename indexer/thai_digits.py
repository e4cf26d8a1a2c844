"""Thai digits on scanned pages that Tesseract's Thai data cannot tell apart.

The Thai model Debian ships (`tesseract-ocr-tha`, 4.00.00alpha) has only five of
the ten Thai digits in its character set (๐ ๑ ๒ ๓ ๕): it reads ๔ and ๘ as ๕, ๖ as
๒ (or 9), ๗ and ๙ as ๓ (or ๕), and runs two it lacks into one at times, so "ที่ มท
๐๒๑๑.๖/ว ๑๐๓๐๓" came out "๐๒๑๑.๒9/ว" and the year ๒๕๖๗ as ๒๕๒๕. Document numbers,
dates and item numbers are what a citation rests on, so a number holding a Thai
digit is read again from the page: its glyphs are the pieces of ink standing on
the line's baseline about Tesseract's boxes, and each is compared with the digits
drawn in the Thai fonts on the machine (TLWG's, from Debian's `fonts-thai-tlwg`:
Laksaman is TH Sarabun's design, the font of Thai government letters), by the
correlation of their shapes scaled to a square and the difference of their
proportions. A ๐ or ๑ Tesseract wrote is kept unless another digit matches clearly
better; any other digit it wrote may be ๒-๙; an Arabic digit, or a glyph of a
number whose glyphs are more or fewer than its digits, any of the ten.

Measured (`tests/test_ocr.py`): every digit in Laksaman, Garuda and Norasi read
right from Tesseract's readings of them, and on seed 001's ว 10303 printed and
scanned, its number and date exactly (Tesseract alone: "๐๒๑๑.๒9/", ๒๕ ตุลาคม
๒๕๒๕); `scripts/bench_ocr.py` measures the letters of the other seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
TRUSTED = "๐๑"  # the two digits of those five Tesseract's Thai data reads right
UNTRUSTED = "๒๓๔๕๖๗๘๙"  # any other digit it writes may be one of these
# Heights in the line's letter heights (`line_body`).
DIGIT_MIN, DIGIT_MAX = 0.6, 1.4  # a digit's
DOT_MAX = 0.35  # a point: smaller than this both ways
SLASH_MIN, SLASH_WIDTH = 1.2, 0.65  # a slash: taller than a digit, and thin
BASELINE_TOLERANCE = 0.4  # how far a glyph's foot may stand off the baseline
BASELINE_ROWS = 0.05  # of a line's height: feet this close stand on the same row
MIN_MATCH = 0.3  # a glyph matching no digit better than this is left as Tesseract read it
TRUSTED_MARGIN = 0.2  # how much better another digit must match than a ๐ or ๑ read
OVERLAP_JOIN = 0.5  # pieces overlapping this share of the narrower one's width join
NUMBER_GLYPH_GAP = 0.2  # letter heights between two glyphs of one number (a space is wider)
SPACE_GAP = 0.5  # letter heights between two glyphs that a space parts
DIGIT_WIDTH = 1.3  # a digit is no wider than this many letter heights
FONT_NAMES = ("Laksaman", "Garuda", "Norasi", "Kinnari", "Loma", "Waree", "Umpush",
              "Sawasdee", "TlwgTypo", "Purisa")
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
SHAPE_SIZE = 16  # a glyph's ink is compared scaled to this square, in pixels
PROPORTION_WEIGHT = 0.5  # weight of the log width/height difference against correlation
TEMPLATE_PIXELS = 64  # font size the digits are drawn at


@dataclass(frozen=True)
class _Template:
    digit: str
    shape: np.ndarray  # zero-mean, unit-norm, SHAPE_SIZE²
    proportion: float  # width / height


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int


class DigitReader:
    """Tells ๒/๖, ๔/๕/๘ and ๓/๗/๙ apart by their shapes in the Thai fonts found."""

    def __init__(self, templates: list[_Template], fonts: list[str]) -> None:
        self._templates = templates
        self.fonts = fonts

    @classmethod
    def from_installed_fonts(cls, font_dirs: tuple[Path, ...] = FONT_DIRS) -> DigitReader | None:
        """A reader drawn from the Thai fonts installed; None when there are none."""
        paths = thai_font_paths(font_dirs)
        templates = [template for path in paths for template in _drawn(path)]
        if not templates:
            return None
        return cls(templates, [path.stem for path in paths])

    def read_number(self, ink: np.ndarray, run: Box, line: Box, read_as: str) -> str | None:
        """The number printed in `run` (a stretch of a line, whose box is `line`, that
        Tesseract read as `read_as`: digits, points and slashes), from `ink` (the page,
        True where dark): each glyph standing on the line's baseline at about its
        letters' height compared with the digits, a small one a point, a tall thin one
        a slash. A digit Tesseract wrote as ๐ or ๑ is kept (it reads those two), one it
        wrote as another Thai digit is chosen among the other eight, and one it wrote
        otherwise (an Arabic digit, a sign), or any when the glyphs are more or fewer
        than its digits (it ran two together), among all ten. None when the ink is not
        such a number, or a glyph matches no digit well."""
        return self.read_number_on(ink, run, line_body(ink, line), read_as)

    def read_number_on(self, ink: np.ndarray, run: Box, body: tuple[float, float] | None,
                       read_as: str) -> str | None:
        """`read_number` with the line's baseline and letter height (`line_body`) given:
        a line holding several numbers finds them once."""
        labels = [char for char in read_as if char.isdigit()]
        if not labels or body is None:
            return None
        for glyphs in _stretches(ink, run, *body, len(labels)):
            number = self._read_glyphs(glyphs, body[1], labels)
            if number is not None:
                return number
        return None

    def _read_glyphs(self, glyphs: list[_Glyph], height: float, labels: list[str]
                     ) -> str | None:
        out: list[str] = []
        digits: list[np.ndarray] = []
        for index, glyph in enumerate(glyphs):
            if index and glyph.left - (glyphs[index - 1].left + glyphs[index - 1].width) > (
                    SPACE_GAP * height):
                out.append(" ")
            if glyph.height < DOT_MAX * height and glyph.width < DOT_MAX * height:
                out.append(".")
            elif glyph.height > SLASH_MIN * height and glyph.width < SLASH_WIDTH * glyph.height:
                out.append("/")
            elif DIGIT_MIN * height <= glyph.height <= DIGIT_MAX * height:
                out.append("0")  # a digit, read below
                digits.append(glyph.mask)
            else:
                return None
        same_count = len(digits) == len(labels)
        if not digits or (not same_count and abs(len(digits) - len(labels)) > 1):
            return None
        read: list[str] = []
        for index, mask in enumerate(digits):
            label = labels[index] if same_count else ""
            if label and label in TRUSTED:
                # Tesseract knows these two, but has written ๐ for a ๖ it lacks.
                other = self._closest(mask, UNTRUSTED, margin_over=label)
                read.append(other or label)
                continue
            digit = self._closest(mask, UNTRUSTED if label and label in THAI_DIGITS
                                  else THAI_DIGITS)
            if digit is None:
                return None
            read.append(digit)
        digits_left = iter(read)
        return "".join(next(digits_left) if char == "0" else char for char in out)

    def _closest(self, mask: np.ndarray, candidates: str,
                 margin_over: str = "") -> str | None:
        """The candidate digit the glyph `mask` looks most like, if it matches well
        enough; with `margin_over`, only if it matches clearly better than that digit."""
        shape = _shape(mask)
        if shape is None:
            return None
        vector, proportion = shape

        def best(digits: str) -> tuple[float, str]:
            return max((float(vector @ t.shape)
                        - PROPORTION_WEIGHT * abs(np.log(proportion / t.proportion)), t.digit)
                       for t in self._templates if t.digit in digits)

        score, digit = best(candidates)
        if margin_over and score < best(margin_over)[0] + TRUSTED_MARGIN:
            return None
        return digit if score >= MIN_MATCH else None


@dataclass(frozen=True)
class _Glyph:
    left: int
    width: int
    height: int
    mask: np.ndarray


def line_body(ink: np.ndarray, line: Box) -> tuple[float, float] | None:
    """The line's baseline (page row) and letter height. Consonants and digits stand on
    the baseline, and marks above and below a letter do not, so the baseline is the
    row most pieces of ink end on, and the letter height their median height."""
    top = max(line.top, 0)
    band = ink[top:line.top + line.height, max(line.left, 0):line.left + line.width]
    if band.size == 0:
        return None
    labels, _count = ndimage.label(band)
    found = [(rows.stop - rows.start, rows.stop) for rows, _columns in
             (f for f in ndimage.find_objects(labels) if f is not None)]
    if len(found) < 3:
        return None
    tolerance = max(BASELINE_ROWS * line.height, 2.0)
    bottoms = [bottom for _height, bottom in found]
    baseline = max(bottoms, key=lambda row: sum(1 for b in bottoms if abs(b - row) <= tolerance))
    standing = [height for height, bottom in found if abs(bottom - baseline) <= tolerance]
    return top + float(baseline), float(np.median(standing))


def _stretches(ink: np.ndarray, run: Box, baseline: float, height: float,
               wanted: int) -> list[list[_Glyph]]:
    """The glyphs the number at `run` may be, left to right, likeliest first: pieces of
    ink standing on the baseline (a digit, a point, a slash; not a mark of the line
    above), pieces over one another joined (a stroke broken by the scan). Tesseract's
    boxes of digits it lacks stray by a glyph or so: those overlapping `run` first,
    then, when fewer than `wanted` of them are digit-sized, with the digit-sized
    glyph set close on either side (nearest first) taken too."""
    reach = int(height)
    top = max(int(baseline - 2 * height), 0)
    left = max(run.left - reach, 0)
    window = ink[top:int(baseline + height), left:run.left + run.width + reach]
    if window.size == 0:
        return []
    labels, _count = ndimage.label(window)
    pieces: list[tuple[int, int, int, int, int]] = []  # left, right, top, bottom, label
    for number, found in enumerate(ndimage.find_objects(labels), 1):
        if found is not None and abs(top + found[0].stop - baseline) <= (
                BASELINE_TOLERANCE * height):
            pieces.append((found[1].start, found[1].stop, found[0].start, found[0].stop, number))
    pieces.sort()
    groups: list[list[tuple[int, int, int, int, int]]] = []
    for piece in pieces:
        if groups:
            last = groups[-1]
            start, stop = min(p[0] for p in last), max(p[1] for p in last)
            overlap = min(stop, piece[1]) - max(start, piece[0])
            if overlap > OVERLAP_JOIN * min(stop - start, piece[1] - piece[0]):
                last.append(piece)
                continue
        groups.append([piece])
    glyphs = []
    for group in groups:
        mask = np.isin(labels, [p[4] for p in group])
        glyph_top, glyph_bottom = min(p[2] for p in group), max(p[3] for p in group)
        glyph_left, glyph_right = min(p[0] for p in group), max(p[1] for p in group)
        glyphs.append(_Glyph(glyph_left + left, glyph_right - glyph_left,
                             glyph_bottom - glyph_top,
                             mask[glyph_top:glyph_bottom, glyph_left:glyph_right]))
    inside = [i for i, g in enumerate(glyphs)
              if g.left < run.left + run.width and g.left + g.width > run.left]
    if not inside:
        return []
    first, end = inside[0], inside[-1]

    def digit_sized(glyph: _Glyph) -> bool:
        return (DIGIT_MIN * height <= glyph.height <= DIGIT_MAX * height
                and glyph.width <= DIGIT_WIDTH * height)

    stretches = [glyphs[first:end + 1]]
    if sum(1 for g in stretches[0] if digit_sized(g)) >= wanted:
        inner = stretches[0]
        return stretches + [part for part in (inner[:-1], inner[1:]) if part]
    sides = []
    if first > 0 and digit_sized(glyphs[first - 1]):
        gap = glyphs[first].left - (glyphs[first - 1].left + glyphs[first - 1].width)
        sides.append((gap, glyphs[first - 1:end + 1]))
    if end + 1 < len(glyphs) and digit_sized(glyphs[end + 1]):
        gap = glyphs[end + 1].left - (glyphs[end].left + glyphs[end].width)
        sides.append((gap, glyphs[first:end + 2]))
    near = sorted((side for side in sides if side[0] < NUMBER_GLYPH_GAP * height),
                  key=lambda side: side[0])
    stretches = [stretch for _gap, stretch in near] + stretches
    # Or one glyph fewer: a box may reach into the letter after a number (ว after ๖/).
    inner = glyphs[first:end + 1]
    return stretches + [part for part in (inner[:-1], inner[1:]) if part]


def thai_font_paths(font_dirs: tuple[Path, ...] = FONT_DIRS) -> list[Path]:
    """The regular faces of `FONT_NAMES` under `font_dirs`, in that order."""
    found: dict[str, Path] = {}
    for folder in font_dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if (path.suffix.lower() in (".ttf", ".otf") and path.stem in FONT_NAMES
                    and path.stem not in found):
                found[path.stem] = path
    return [found[name] for name in FONT_NAMES if name in found]


def _drawn(font_path: Path) -> list[_Template]:
    try:
        font = ImageFont.truetype(str(font_path), TEMPLATE_PIXELS)
    except OSError:
        return []
    templates = []
    for digit in THAI_DIGITS:
        canvas = Image.new("L", (TEMPLATE_PIXELS * 2, TEMPLATE_PIXELS * 2), 0)
        ImageDraw.Draw(canvas).text((TEMPLATE_PIXELS // 3, TEMPLATE_PIXELS // 6), digit,
                                    font=font, fill=255)
        shape = _shape(np.asarray(canvas) > 128)
        if shape is not None:
            templates.append(_Template(digit, *shape))
    return templates


def _shape(mask: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The ink's bounding box scaled to `SHAPE_SIZE` square, zero-mean and unit-norm,
    and its width/height; None for no ink."""
    rows, columns = np.nonzero(mask)
    if rows.size == 0:
        return None
    crop = mask[rows.min():rows.max() + 1, columns.min():columns.max() + 1]
    height, width = crop.shape
    scaled = Image.fromarray(crop.astype(np.uint8) * 255).resize(
        (SHAPE_SIZE, SHAPE_SIZE), Image.Resampling.BILINEAR)
    vector = np.asarray(scaled, dtype=np.float32).ravel() / 255.0
    vector = vector - vector.mean()
    norm = float(np.linalg.norm(vector))
    if norm == 0:
        return None
    return vector / norm, width / height
