"""Scanned pages read by OCR (Tesseract), as printed lines with their positions.

Many circulars reach an office as scans: a PDF of page images, or TIFF/PNG/JPEG
files. Their text comes from Tesseract (Debian's `tesseract-ocr` with the Thai data
`tesseract-ocr-tha`), run as a program, one page per process and one process per
core: with its own OpenMP threads on two cores a page took 11 s, one thread each
1.7 s. OCR is used when Tesseract and its languages are installed
(`Settings.ocr`); without it a scan is reported by name with the command that
installs it, and the rest is indexed.

Each page is read once into two of Tesseract's outputs: its plain text, whose
spaces are Tesseract's own judgement of word breaks, and its TSV, whose boxes place
each line (Thai has no spaces between words, so the TSV's "words" are pieces of
words and cannot rebuild the spacing). A line's text is taken from the plain text
where the two hold the same characters, and its position from the boxes, so that
`indexer.page_layout` lays scanned pages out as it does a PDF's text layer: blank
lines before paragraphs, tables as tab-separated rows. A page scanned a little
askew is measured along its own lines: the skew is the median slope of long lines'
word bottoms, and positions are turned back by it before the layout reads them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
from PIL import Image

from indexer.embedder import available_cpus
from indexer.page_layout import CELL_GAP, PrintedLine
from indexer.thai_digits import Box, DigitReader, line_body

log = logging.getLogger(__name__)

POINTS_PER_INCH = 72.0
A4_WIDTH_INCHES = 8.27
MIN_DPI, MAX_DPI = 100, 1200  # a recorded resolution outside these is no scan's
LINE_HEIGHT_EMS = 1.2  # a Thai line's box (with marks above and below) in font sizes
SKEW_MIN_WORDS = 6  # words a line needs before its slope counts towards the skew
SPACED_OUT_PIECES = 8  # space-separated pieces a line needs before it may be spaced out
WORD_GAP_FACTOR = 2.5  # a spaced-out line's word break: this many times its usual gap
INK_THRESHOLD = 128  # grey level below which a pixel is ink
SPECK_RE = re.compile(r"[.,:;'`\"|_~^*°‘’“”!-]+")  # what a speck of dirt is read as
SPECK_SIZE = 0.5  # font sizes: a speck is no taller
SPECK_GAP = 0.6  # font sizes of space around a speck on both sides
SPECK_LINE_WORDS = 3  # words a line needs before its height sets the font size
# Font sizes between two pieces of one number: Tesseract's boxes of the digits it lacks
# stray, so this is wide; a space inside the stretch is kept (`DigitReader`).
NUMBER_GAP = 0.5
NUMBER_PIECE_RE = re.compile(r"[0-9๐-๙./]+")  # a word that may be part of a number
# What Tesseract's Thai data writes for a Thai digit it lacks, seen right after a digit
# or point ("๒.ซ" for ๒.๗, "๒๕๐๒ฒ" for ๒๕๖๗); only that close does it count.
DIGIT_STAND_IN_RE = re.compile(r"[»«ซฒob]")
STAND_IN_GAP = 0.2  # font sizes
THAI_DIGIT_RE = re.compile(r"[๐-๙]")
THAI_MARKS_RE = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")  # vowels and tones above/below
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-tha fonts-thai-tlwg"


class OcrUnavailable(Exception):
    """Why OCR cannot run here; Thai first, then English."""

    def __init__(self, thai: str, english: str) -> None:
        super().__init__(f"{thai} / {english}")
        self.thai = thai
        self.english = english


@dataclass(frozen=True)
class OcrEngine:
    """Tesseract, found and checked: `find_ocr` makes one."""

    command: str
    languages: str  # Tesseract's form: "tha+eng"
    dpi: int  # resolution PDF pages are rendered at
    version: str  # Tesseract's, and a digest of its language data
    digits: DigitReader | None = None  # reads the Thai digits Tesseract confuses
    page_timeout_s: float = 300.0
    workers: int = field(default_factory=available_cpus)

    @property
    def engine_id(self) -> str:
        """What the index records: a different id means scans are read again."""
        digits = f" thai-digits:{','.join(self.digits.fonts)}" if self.digits else ""
        return f"tesseract {self.version} {self.languages} {self.dpi}dpi{digits}"

    def read_pages(self, images: Iterator[Image.Image]) -> list[list[PrintedLine]]:
        """Each page image's printed lines, in page order; a page Tesseract fails on or
        finds nothing in gives none (named by the caller as a page without text)."""
        results: list[Future[list[PrintedLine]]] = []
        pending: set[Future[list[PrintedLine]]] = set()
        with tempfile.TemporaryDirectory(prefix="circulars-ocr-") as folder:
            pool = ThreadPoolExecutor(max_workers=self.workers)
            try:
                for number, image in enumerate(images):
                    # Written out as it comes, and no more than two pages a worker
                    # waiting: a 500-page bundle neither fills memory nor the disk.
                    while len(pending) >= 2 * self.workers:
                        _done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    path = Path(folder) / f"page-{number:05d}.png"
                    grey = greyscale(image)
                    grey.save(path, compress_level=1)
                    results.append(pool.submit(self._read_one, path, _dpi_of(image),
                                               grey.height))
                    pending.add(results[-1])
                return [result.result() for result in results]
            finally:
                # On an error or Ctrl-C the pages not yet started are dropped.
                pool.shutdown(wait=True, cancel_futures=True)

    def _read_one(self, image_path: Path, dpi: float, height_px: int) -> list[PrintedLine]:
        """The page's lines; none when Tesseract or the reading of its output fails, which
        is logged (the caller names the page as one without text)."""
        out_base = image_path.with_suffix("")
        try:
            done = subprocess.run(
                [self.command, str(image_path), str(out_base), "-l", self.languages,
                 "--dpi", str(round(dpi)), "--psm", "3", "tsv", "txt"],
                capture_output=True, timeout=self.page_timeout_s,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"})
            if done.returncode != 0:
                log.warning("tesseract failed on %s (exit %s): %s", image_path.name,
                            done.returncode, done.stderr.decode("utf-8", "replace")[-500:])
                return []
            tsv = out_base.with_suffix(".tsv").read_text(encoding="utf-8")
            txt = out_base.with_suffix(".txt").read_text(encoding="utf-8")
            ink = (np.asarray(Image.open(image_path)) < INK_THRESHOLD
                   if self.digits is not None else None)
            return printed_lines(tsv, txt, dpi, height_px, ink, self.digits)
        except Exception:
            # One page must not fail the file (nor the build): it is named instead.
            log.warning("reading %s by OCR failed", image_path.name, exc_info=True)
            return []
        finally:
            for leftover in (image_path, out_base.with_suffix(".tsv"),
                             out_base.with_suffix(".txt")):
                leftover.unlink(missing_ok=True)


def greyscale(image: Image.Image) -> Image.Image:
    """The image as 8-bit grey, dark ink on light paper: transparency laid on white
    (a transparent background is not black), 16-bit scans scaled down (a bare
    conversion clips them to white), 32-bit and float ones stretched over their own
    range, other modes through RGB."""
    if image.mode == "L":
        return image
    if image.mode.startswith("I;16"):
        return Image.fromarray((np.asarray(image, dtype=np.uint32) // 257).astype(np.uint8))
    if image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float32)
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if not high > low:
            return Image.new("L", image.size, 255)
        scaled = np.nan_to_num((values - low) * (255.0 / (high - low)), nan=255.0)
        return Image.fromarray(scaled.astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    if image.mode in ("1", "P", "RGB", "CMYK", "YCbCr"):
        return image.convert("L")
    return image.convert("RGB").convert("L")


@dataclass(frozen=True)
class OcrSetup:
    """The OCR a build reads scans with, or why it has none."""

    engine: OcrEngine | None
    missing: OcrUnavailable | None = None  # why there is no engine

    @property
    def engine_id(self) -> str:
        return self.engine.engine_id if self.engine is not None else ""

    def needed(self, what_th: str, what_en: str) -> tuple[str, str]:
        """A reason that `what` needs OCR, with what to do about it."""
        missing = self.missing or OcrUnavailable(f"ติดตั้งด้วย {INSTALL_HINT}",
                                                 f"install it with {INSTALL_HINT}")
        return (f"{what_th} ต้องอ่านด้วย OCR แต่ยังใช้ไม่ได้: {missing.thai}",
                f"{what_en} needs OCR, which is not available: {missing.english}")


def ocr_setup(mode: str, command: str, languages: str, dpi: int) -> OcrSetup:
    """Tesseract when `mode` is "auto" and it is installed with its languages; else the
    reason there is none."""
    if mode == "off":
        return OcrSetup(None, OcrUnavailable("ปิด OCR ไว้ (CIRCULARS_OCR=off)",
                                             "OCR is off (CIRCULARS_OCR=off)"))
    try:
        return OcrSetup(find_ocr(command, languages, dpi))
    except OcrUnavailable as missing:
        return OcrSetup(None, missing)


def find_ocr(command: str, languages: str, dpi: int) -> OcrEngine:
    """Tesseract at `command` with every language of `languages`, or `OcrUnavailable`
    saying what to install."""
    found = shutil.which(command)
    if found is None:
        raise OcrUnavailable(f"ไม่พบโปรแกรม OCR ({command}) ติดตั้งด้วย {INSTALL_HINT}",
                             f"no OCR program ({command}): install it with {INSTALL_HINT}")
    try:
        version_out = subprocess.run([found, "--version"], capture_output=True, text=True,
                                     timeout=30, check=True).stdout
        langs_out = subprocess.run([found, "--list-langs"], capture_output=True, text=True,
                                   timeout=30, check=True).stdout
    except (subprocess.SubprocessError, OSError) as error:
        raise OcrUnavailable(f"เรียกโปรแกรม OCR ({found}) ไม่ได้",
                             f"cannot run the OCR program {found}: {error}") from None
    installed = {line.strip() for line in langs_out.splitlines()[1:]}
    missing = [lang for lang in languages.split("+") if lang not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise OcrUnavailable(
            f"Tesseract ไม่มีข้อมูลภาษา {', '.join(missing)} ติดตั้งด้วย apt-get install {packages}",
            f"Tesseract lacks the language data {', '.join(missing)}: install it with "
            f"apt-get install {packages}")
    first_line = version_out.splitlines()[0] if version_out else "tesseract"
    version = first_line.split()[-1]
    data = _language_data_digest(langs_out, languages)
    digits = DigitReader.from_installed_fonts() if "tha" in languages.split("+") else None
    return OcrEngine(found, languages, dpi, f"{version}+{data}" if data else version, digits)


def _language_data_digest(langs_out: str, languages: str) -> str:
    """A short digest of the languages' data files, found in the folder `--list-langs`
    names ('List of available languages in "/usr/share/tesseract-ocr/5/tessdata/"'):
    new Thai data under the same Tesseract reads scans again. "" when not found."""
    folder = re.search(r'"([^"]+)"', langs_out.splitlines()[0] if langs_out else "")
    if folder is None:
        return ""
    digest = hashlib.sha256()
    for language in languages.split("+"):
        path = Path(folder.group(1)) / f"{language}.traineddata"
        try:
            digest.update(path.read_bytes())
        except OSError:
            return ""
    return digest.hexdigest()[:8]


def _dpi_of(image: Image.Image) -> float:
    """The image's resolution: as recorded when plausible for a scan, else the width of
    an A4 page (a phone photo or a stripped file records none, or 72)."""
    if "ocr_dpi" in image.info:  # rendered here from a PDF: exact, however low
        return float(image.info["ocr_dpi"])
    recorded = image.info.get("dpi")
    try:
        dpi = float(recorded[0]) if recorded else 0.0
    except (TypeError, ValueError, IndexError):
        dpi = 0.0
    if MIN_DPI <= dpi <= MAX_DPI:
        return dpi
    return max(image.width / A4_WIDTH_INCHES, 1.0)


@dataclass(frozen=True)
class _Word:
    text: str
    box: Box
    line: Box  # the box of the line the word is on

    @property
    def right(self) -> int:
        return self.box.left + self.box.width

    @property
    def bottom(self) -> int:
        return self.box.top + self.box.height


def printed_lines(tsv: str, txt: str, dpi: float, height_px: int,
                  ink: np.ndarray | None = None,
                  digits: DigitReader | None = None) -> list[PrintedLine]:
    """A page's lines from Tesseract's TSV and plain text of it, top to bottom, in points
    (origin at the page's foot, as PDF positions are), with table cells where two
    words stand more than `CELL_GAP` font sizes apart. With the page's `ink` (True
    where dark) and a `digits` reader, the Thai digits Tesseract confuses are read
    again (`indexer.thai_digits`)."""
    groups = _word_lines(tsv)
    if not groups:
        return []
    texts = _line_texts(groups, txt)
    scale = POINTS_PER_INCH / dpi
    # Lines of a few words are often specks and stamps: the text's lines set the size.
    heights = [g[0].line.height for g in groups if len(g) >= SPECK_LINE_WORDS] or [
        g[0].line.height for g in groups]
    em = statistics.median(heights) / LINE_HEIGHT_EMS
    slope = _skew(groups)
    lines: list[PrintedLine] = []
    for all_words, text in zip(groups, texts, strict=True):
        all_segments = _segments(text, all_words)
        kept = [i for i in range(len(all_words)) if not _speck(all_words, i, em)]
        if not kept:
            continue
        words = [all_words[i] for i in kept]
        segments = [all_segments[i] for i in kept]
        segments[0][0] = ""
        if ink is not None and digits is not None:
            _read_numbers_again(segments, words, em, ink, digits)
        if _spaced_out("".join(space + piece for space, piece in segments)):
            _close_up(segments, words)
        # Turned back by the page's skew about its top left corner, word by word.
        upright_baseline = statistics.median(
            w.bottom - slope * (w.box.left + w.box.width / 2) for w in words)
        baseline = statistics.median(w.bottom for w in words)
        breaks = [index for index, (before, after) in enumerate(pairwise(words), 1)
                  if after.box.left - before.right > CELL_GAP * em]
        for index in breaks:
            segments[index][0] = "\t"
        left = min(word.box.left for word in words)
        cells = tuple((start + slope * baseline) * scale for start in
                      [left, *(words[i].box.left for i in breaks)]) if breaks else ()
        lines.append(PrintedLine("".join(space + piece for space, piece in segments).strip(),
                                 (left + slope * baseline) * scale,
                                 (height_px - upright_baseline) * scale, cells))
    return [line for line in lines if line.text.strip()]


def _word_lines(tsv: str) -> list[list[_Word]]:
    """The TSV's words (non-blank, level 5) grouped by line, in reading order."""
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    line_boxes: dict[tuple[str, ...], Box] = {}
    lines: dict[tuple[str, ...], list[_Word]] = {}
    for row in reader:
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        box = Box(int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]))
        if row.get("level") == "4":
            line_boxes[key] = box
        text = (row.get("text") or "").strip()
        if row.get("level") == "5" and text:
            lines.setdefault(key, []).append(_Word(text, box, line_boxes.get(key, box)))
    # In Tesseract's order, which is the text's: a mark's box may start left of its letter's.
    return list(lines.values())


def _line_texts(groups: Sequence[list[_Word]], txt: str) -> list[str]:
    """Each line's text as the plain output spaces it, found by its characters; a line
    the plain output lacks is its words joined by spaces."""
    plain = [line.strip() for line in txt.splitlines() if line.strip()]
    keys = ["".join(line.split()) for line in plain]
    texts: list[str] = []
    at = 0
    for words in groups:
        key = "".join("".join(w.text for w in words).split())
        found = next((i for i in range(at, min(at + 4, len(keys))) if keys[i] == key), None)
        if found is None:
            texts.append(" ".join(w.text for w in words))
            continue
        texts.append(plain[found])
        at = found + 1
    return texts


def _segments(text: str, words: Sequence[_Word]) -> list[list[str]]:
    """`text` cut at its words: for each, the spaces before it and its stretch of
    `text`, which holds the words' characters in order with spaces between some."""
    segments: list[list[str]] = []
    position = 0
    for word in words:
        start = position
        while position < len(text) and text[position].isspace():
            position += 1
        piece_start = position
        for char in _compact(word.text):
            found = text.find(char, position)
            if found < 0:
                break
            position = found + 1
        segments.append([text[start:piece_start], text[piece_start:position]])
    if segments and position < len(text):
        segments[-1][1] += text[position:].rstrip()
    return segments


def _read_numbers_again(segments: list[list[str]], words: Sequence[_Word], em: float,
                        ink: np.ndarray, digits: DigitReader) -> None:
    """Each number holding a Thai digit read again from the ink, in `segments`
    (`DigitReader.read_number`): a run of words that are digits, points and slashes,
    with what Tesseract writes for a Thai digit it lacks right after one of them."""
    runs: list[list[int]] = []
    for index, word in enumerate(words):
        gap = word.box.left - words[index - 1].right if index else math.inf
        # A piece of a number stands right of the one before (not far left of it).
        follows = bool(runs) and runs[-1][-1] == index - 1 and gap > -NUMBER_GAP * em
        if NUMBER_PIECE_RE.fullmatch(word.text):
            if follows and gap < NUMBER_GAP * em:
                runs[-1].append(index)
            else:
                runs.append([index])
        elif DIGIT_STAND_IN_RE.fullmatch(word.text) and follows and gap < STAND_IN_GAP * em:
            runs[-1].append(index)
    numbers = [run for run in runs
               if THAI_DIGIT_RE.search("".join(words[i].text for i in run))]
    if not numbers:
        return
    body = line_body(ink, words[0].line)  # the words share their line: found once
    for run in numbers:
        read_as = "".join(words[i].text for i in run)
        left, top = min(words[i].box.left for i in run), min(words[i].box.top for i in run)
        box = Box(left, top, max(words[i].right for i in run) - left,
                  max(words[i].bottom for i in run) - top)
        number = digits.read_number_on(ink, box, body, read_as)
        if number is None:
            continue
        segments[run[0]][1] = number
        for index in run[1:]:
            segments[index] = ["", ""]


def _speck(words: Sequence[_Word], index: int, em: float) -> bool:
    """Whether the word is a speck of dirt Tesseract read as a sign: a small mark of
    punctuation standing apart from the words on either side (a real point or comma
    is set against its word)."""
    word = words[index]
    if not SPECK_RE.fullmatch(word.text) or word.box.height > SPECK_SIZE * em:
        return False
    before = word.box.left - words[index - 1].right if index else math.inf
    after = words[index + 1].box.left - word.right if index + 1 < len(words) else math.inf
    return min(before, after) > SPECK_GAP * em


def _compact(text: str) -> str:
    return "".join(text.split())


def _spaced_out(text: str) -> bool:
    """A line justified by spacing its letters out (Thai distributed alignment), which
    Tesseract reads with a space between every letter: most of its pieces are one
    letter with its marks."""
    pieces = text.split()
    single = sum(1 for piece in pieces if len(THAI_MARKS_RE.sub("", piece)) <= 1)
    return len(pieces) >= SPACED_OUT_PIECES and single > len(pieces) / 2


def _close_up(segments: list[list[str]], words: Sequence[_Word]) -> None:
    """A spaced-out line's spaces, in `segments`, kept only where the gap between two
    words is well above the line's usual one."""
    gaps = [after.box.left - before.right for before, after in pairwise(words)]
    usual = statistics.median(gaps) if gaps else 0
    for index in range(1, len(segments)):
        segments[index][0] = " " if gaps[index - 1] > max(WORD_GAP_FACTOR * usual, 1) else ""


def _skew(groups: Sequence[list[_Word]]) -> float:
    """The page's skew as a slope (down per unit across): the median over lines of
    `SKEW_MIN_WORDS` words or more of their word bottoms' least-squares slope; 0 when
    no line is long enough."""
    slopes = []
    for words in groups:
        if len(words) < SKEW_MIN_WORDS:
            continue
        xs = [w.box.left + w.box.width / 2 for w in words]
        ys = [float(w.bottom) for w in words]
        mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
        spread = sum((x - mean_x) ** 2 for x in xs)
        if spread == 0:
            continue
        slopes.append(sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
                      / spread)
    if not slopes:
        return 0.0
    slope = statistics.median(slopes)
    # Beyond a few degrees this is not skew but a page on its side or a photo.
    return slope if abs(math.degrees(math.atan(slope))) < 5 else 0.0
