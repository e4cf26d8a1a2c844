"""How well scanned circulars are read: OCR of PDFs printed from known text.

    python scripts/bench_ocr.py letter.pdf [more.pdf ...] [--languages tha] [--dpi 300]
    python scripts/bench_ocr.py corpus-printed/*.pdf --search dev   # and search quality

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

Prints one table row per PDF and scan; needs Tesseract with its Thai data. With
`--search SPLIT` (the PDFs being the seed circulars printed), also how often the
evaluation questions find their passage in the scans against the text layers
(`search_table`).
"""

from __future__ import annotations

import argparse
import difflib
import io
import random
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageFilter

from circulars.cli import load_embedder_for
from circulars.settings import PROJECT_ROOT, Settings
from eval.data import read_questions, select_split
from indexer.build import build_index
from indexer.chunker import ParsedFile, parse_circular
from indexer.ocr import ocr_setup
from indexer.pdf_text import pdf_text
from retriever.search import Searcher

POOR_DPI, POOR_ANGLE, POOR_BLUR, POOR_SPECKS = 200, 0.8, 0.6, 1 / 2000
SAME_TEXT = 0.7  # share of a gold passage's characters a hit must hold
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


def compact(text: str) -> str:
    return "".join(text.split())


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, compact(a), compact(b), autojunk=False).ratio()


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


def held(gold: str, hit: str) -> float:
    """The share of `gold`'s characters that `hit` holds in matching stretches."""
    blocks = difflib.SequenceMatcher(None, gold, hit, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) / max(len(gold), 1)


def gold_texts() -> dict[tuple[str, int, str], list[str]]:
    """(doc_no or letter id, part index, item) -> the seed chunks' texts."""
    texts: dict[tuple[str, int, str], list[str]] = {}
    for path in sorted((PROJECT_ROOT / "corpus").glob("*.txt")):
        for chunk in parse_circular(path.read_text(encoding="utf-8"), path.name).chunks:
            key = (chunk.doc_no or chunk.doc_id, chunk.part_index, chunk.item)
            texts.setdefault(key, []).append(compact(chunk.text))
    return texts


def search_table(pdfs: list[Path], split: str, k: int) -> None:
    """Do the circular questions find their passages when the letters arrive scanned?
    Two indexes are built with the real model, one from the PDFs' text layers, one
    from the same pages scanned clean and read by OCR, and the evaluation set's
    answerable questions of `split` searched in both (hybrid). OCR changes a letter's
    number and item paths at times, and may run two items into one passage, so a
    question counts as found when a hit holds the gold passage's text (from the
    seeds' text): at least `SAME_TEXT` of its characters in matching stretches."""
    golds = gold_texts()
    questions = [q for q in select_split(read_questions(PROJECT_ROOT / "eval" / "questions.jsonl"),
                                         split) if q.gold]
    with tempfile.TemporaryDirectory(prefix="circulars-ocr-bench-") as folder:
        root = Path(folder)
        for name in ("text", "scan"):
            (root / name).mkdir()
        for path in pdfs:
            data = path.read_bytes()
            (root / "text" / path.name).write_bytes(data)
            (root / "scan" / path.name).write_bytes(scanned(data, 300, poor=False))
        settings = Settings(index_dir=root / "index")
        embedder = load_embedder_for(settings)
        print(f"\n| index | questions ({split}) | found@1 | found@{k} |")
        print("|---|---|---|---|")
        for name in ("text", "scan"):
            index_dir = root / f"index-{name}"
            report = build_index([root / name], index_dir, settings, embedder)
            assert report.chunks, report.failures
            searcher = Searcher(index_dir, embedder, settings)
            at_1 = at_k = 0
            for question in questions:
                wanted = [text for gold in question.gold
                          for text in golds.get((gold.doc_no, gold.part_index, gold.item), [])]
                hits = searcher.search(question.question, k=k)
                ranks = [rank for rank, hit in enumerate(hits, 1)
                         if any(held(text, compact(hit.text)) >= SAME_TEXT for text in wanted)]
                at_1 += bool(ranks) and ranks[0] == 1
                at_k += bool(ranks)
            print(f"| {name} ({report.chunks} chunks) | {len(questions)} "
                  f"| {at_1 / len(questions):.3f} | {at_k / len(questions):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", type=Path, nargs="+")
    parser.add_argument("--languages", default="tha")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--no-digits", action="store_true",
                        help="leave Thai digits as Tesseract reads them")
    parser.add_argument("--search", metavar="SPLIT",
                        help="also search the evaluation questions of SPLIT (dev, test) in "
                             "indexes of the text layers and of the scans (real model)")
    parser.add_argument("-k", type=int, default=5)
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
    if args.search:
        search_table(args.pdfs, args.search, args.k)


if __name__ == "__main__":
    main()
