"""The text of a scanned circular kept as image files (TIFF, PNG, JPEG), by OCR.

A scanner's TIFF holds every page as a frame; a PNG or JPEG is one page (a photo
or a single scanned sheet). Each frame is read by `indexer.ocr` and the pages laid
out as a PDF's are (`indexer.page_layout`). Without OCR installed the file is
reported with what to install, since an image holds no text of its own.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from PIL import Image, ImageOps, ImageSequence

from indexer.document_problem import DocumentProblem
from indexer.ocr import OcrSetup
from indexer.page_layout import MIN_TEXT_CHARS, PagedText, laid_out_text, visible_chars

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".tif", ".tiff", ".png", ".jpg", ".jpeg"}


def image_text(data: bytes, ocr: OcrSetup) -> PagedText:
    """The image file's pages read by `ocr`'s engine; `DocumentProblem` when there is
    none (saying why), the file is no image, or no text is found."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise DocumentProblem("เปิดไฟล์ภาพไม่ได้ (ไฟล์เสียหรือไม่ใช่ภาพ)",
                              f"cannot open the image ({error})") from None
    if ocr.engine is None:
        raise DocumentProblem(*ocr.needed("ไฟล์ภาพ", "an image"))
    pages = ocr.engine.read_pages(_frames(image))
    numbered = list(enumerate(pages, 1))
    if sum(visible_chars(lines) for lines in pages) < MIN_TEXT_CHARS:
        raise DocumentProblem("อ่านข้อความจากภาพด้วย OCR ไม่ได้ (ภาพไม่ชัดหรือไม่ใช่ข้อความ)",
                              "OCR found no text in the image (unclear, or no text)")
    return PagedText(laid_out_text(pages),
                     [number for number, lines in numbered if not lines],
                     [number for number, lines in numbered if lines])


def _frames(image: Image.Image) -> Iterator[Image.Image]:
    """Each page of the file, upright as its EXIF orientation says (a phone photo is
    stored sideways), with the file's resolution (a frame copy drops it)."""
    dpi = image.info.get("dpi")
    frames = ImageSequence.Iterator(image)
    while True:
        try:
            page = ImageOps.exif_transpose(next(frames).copy())
        except StopIteration:
            return
        except (OSError, SyntaxError, ValueError):
            # A frame cut short: a blank page in its place, named as one without text,
            # and the frames read so far are kept.
            log.warning("a page of an image file cannot be decoded", exc_info=True)
            yield Image.new("L", (8, 8), 255)
            return
        if dpi and "dpi" not in page.info:
            page.info["dpi"] = dpi
        yield page
