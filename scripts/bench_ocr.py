"""How well scanned circulars are read: OCR of PDFs printed from known text.

    python scripts/bench_ocr.py letter.pdf [more.pdf ...] [--languages tha] [--dpi 300]

Each PDF has a text layer (e.g. a seed printed by `scripts/make_pdf_fixture.py`). Its
pages are rendered to images and saved as an image-only PDF, once clean and once as a
poor scan (200 dpi, turned 0.8 degrees, blurred, specks); each scan is read through
`indexer.pdf_text` with OCR and compared with the text layer's reading, which is
what the same letter gives when it arrives with text:

* chars: similarity of the two texts, spaces ignored (difflib ratio);
* doc no / date: the letters whose number and date came out the same;
* items: the text layer's chunks (directive items, paragraphs) whose item path the
  scan's reading has too, with at least 80% of the text the same;
* item text: mean similarity of each chunk's text to the scan's of that path (0 for
  a path the scan lacks);
* s/page: OCR time per page (Tesseract, one process per core).

Prints one table row per PDF and scan; needs Tesseract with its Thai data.
"""

from __future__ import annotations

import argparse
import difflib
import io
import random
import time
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageFilter

from indexer.chunker import ParsedFile, parse_circular
from indexer.ocr import ocr_setup
from indexer.pdf_text import pdf_text

POOR_DPI, POOR_ANGLE, POOR_BLUR, POOR_SPECKS = 200, 0.8, 0.6, 1 / 2000
ITEM_FOUND = 0.8  # similarity at which an item's text counts as read


def scanned(pdf: bytes, dpi: int, poor: bool) -> bytes:
    """The PDF's pages as an image-only PDF at `dpi`; `poor` turns, blurs and specks them."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    specks = random.Random(7)
    for page in document:
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if poor:
            image = image.rotate(POOR_ANGLE, resample=Image.Resampling.BICUBIC,
                                 fillcolor=255).filter(ImageFilter.GaussianBlur(POOR_BLUR))
            pixels = image.load()
            assert pixels is not None
            for _ in range(int(image.width * image.height * POOR_SPECKS)):
                pixels[specks.randrange(image.width), specks.randrange(image.height)] = 0
        pages.append(image)
    document.close()
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return out.getvalue()


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, "".join(a.split()), "".join(b.split()),
                                   autojunk=False).ratio()


def compared(reference: ParsedFile, read: ParsedFile) -> dict[str, str]:
    heads = {(le.doc_no, le.date) for le in read.letters}
    same_heads = sum(1 for le in reference.letters if (le.doc_no, le.date) in heads)
    by_item: dict[str, list[str]] = {}
    for chunk in read.chunks:
        by_item.setdefault(chunk.item, []).append(chunk.text)
    # An item path may recur in each letter of a bundle: the closest one counts.
    text = [max((similarity(c.text, other) for other in by_item.get(c.item, [])), default=0.0)
            for c in reference.chunks]
    return {
        "doc no / date": f"{same_heads}/{len(reference.letters)}",
        "items": f"{sum(1 for t in text if t >= ITEM_FOUND)}/{len(reference.chunks)}",
        "item text": f"{sum(text) / max(len(text), 1):.3f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", type=Path, nargs="+")
    parser.add_argument("--languages", default="tha")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--no-digits", action="store_true",
                        help="leave Thai digits as Tesseract reads them")
    args = parser.parse_args()
    setup = ocr_setup("auto", "tesseract", args.languages, args.dpi)
    if setup.engine is None:
        raise SystemExit(str(setup.missing))
    if args.no_digits:
        setup = type(setup)(type(setup.engine)(**{**setup.engine.__dict__, "digits": None}))
    assert setup.engine is not None
    print(f"OCR: {setup.engine_id}\n")
    print("| PDF | scan | pages | chars | doc no / date | items | item text | s/page |")
    print("|---|---|---|---|---|---|---|---|")
    for path in args.pdfs:
        data = path.read_bytes()
        layer = pdf_text(data)
        reference = parse_circular(layer.text, path.name)
        for poor in (False, True):
            scan = scanned(data, POOR_DPI if poor else args.dpi, poor)
            started = time.perf_counter()
            read = pdf_text(scan, setup)
            seconds = time.perf_counter() - started
            pages = len(read.pages_read_by_ocr) + len(read.pages_without_text)
            row = compared(reference, parse_circular(read.text, path.name))
            print(f"| {path.name} | {'poor' if poor else 'clean'} | {pages} "
                  f"| {similarity(layer.text, read.text):.3f} | {row['doc no / date']} "
                  f"| {row['items']} | {row['item text']} | {seconds / max(pages, 1):.2f} |")


if __name__ == "__main__":
    main()
