"""Read a corpus file into text, or say precisely why it cannot be read.

Circulars arrive as UTF-8 text from OCR, but Thai offices still produce TIS-620 /
cp874 files, PDFs (`indexer.pdf_text`; scanned pages read by OCR), scans kept as
images (`indexer.image_text`) and Word files (`indexer.docx_text`), and a corpus
folder collects stray binaries and truncated downloads.
Every failure becomes a `ReadProblem` naming the file and the reason, in Thai and
English, so one bad file never stops the rest of the build.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from indexer.document_problem import DocumentProblem
from indexer.docx_text import docx_text
from indexer.image_text import IMAGE_SUFFIXES, image_text
from indexer.ocr import OcrSetup
from indexer.pdf_text import pdf_text

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".txt", ".md", ".jsonl", ".pdf", ".docx", *IMAGE_SUFFIXES}


@dataclass(frozen=True)
class ReadProblem:
    path: str
    reason_th: str
    reason_en: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason_th} / {self.reason_en}"


@dataclass(frozen=True)
class SourceText:
    path: str
    text: str
    encoding: str
    truncated_utf8: bool = False
    pages_without_text: list[int] = field(default_factory=list)  # a PDF's, 1-based
    pages_read_by_ocr: list[int] = field(default_factory=list)  # a PDF's or image's


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control > len(sample) * 0.05


def _thai_share(text: str) -> float:
    letters = [ch for ch in text if not ch.isspace()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if "\u0e00" <= ch <= "\u0e7f") / len(letters)


def decode_bytes(data: bytes) -> tuple[str, str, bool]:
    """Decode UTF-8 (with or without BOM), else cp874; returns (text, encoding, truncated).

    A UTF-8 file cut in the middle of a multi-byte character is still UTF-8: the
    broken tail is dropped and reported rather than re-read as cp874 gibberish.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3 and error.reason == "unexpected end of data":
            return data[: error.start].decode("utf-8"), "utf-8", True
    text = data.decode("cp874", errors="strict")
    return text, "cp874", False


def read_source(path: Path, max_bytes: int, display_name: str | None = None,
                ocr: OcrSetup | None = None) -> SourceText:
    """Read one file, scanned pages by `ocr` (none: scans are reported as needing it);
    raise `ReadProblemError` with a bilingual reason on failure."""
    name = display_name or str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ReadProblemError(ReadProblem(name, "อ่านไฟล์ไม่ได้", f"cannot read: {error}")) from None
    if size > max_bytes:
        raise ReadProblemError(
            ReadProblem(
                name,
                f"ไฟล์ใหญ่เกินกำหนด ({size:,} ไบต์ เกิน {max_bytes:,})",
                f"file too large ({size:,} bytes > limit {max_bytes:,})",
            )
        )
    data = path.read_bytes()
    if not data.strip():
        raise ReadProblemError(ReadProblem(name, "ไฟล์ว่าง", "file is empty"))
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf" or suffix in IMAGE_SUFFIXES:
            found = pdf_text(data, ocr) if suffix == ".pdf" else image_text(
                data, ocr or OcrSetup(None))
            kind = "pdf" if suffix == ".pdf" else "image"
            return SourceText(name, found.text, f"{kind}+ocr" if found.pages_read_by_ocr else kind,
                              pages_without_text=found.pages_without_text,
                              pages_read_by_ocr=found.pages_read_by_ocr)
        if suffix == ".docx":
            return SourceText(name, docx_text(data), "docx")
    except DocumentProblem as problem:
        raise ReadProblemError(ReadProblem(name, problem.thai, problem.english)) from None
    except Exception as error:
        # A damaged PDF or Word file fails inside PDFium, lxml or a zip reader in ways
        # no list of exceptions covers; one such file must not stop the build. The
        # traceback goes to the log, where a fault of our own would still show.
        log.warning("reading %s failed", name, exc_info=True)
        raise ReadProblemError(ReadProblem(
            name, "อ่านไฟล์ไม่ได้ (ไฟล์เสีย)",
            f"cannot read the file ({type(error).__name__}: {error})")) from None
    if _looks_binary(data):
        raise ReadProblemError(
            ReadProblem(name, "ไฟล์ไม่ใช่ข้อความ (ไบนารี)", "file is binary, not text")
        )
    try:
        text, encoding, truncated = decode_bytes(data)
    except UnicodeDecodeError:
        raise ReadProblemError(
            ReadProblem(
                name,
                "ถอดรหัสอักขระไม่ได้ (ไม่ใช่ UTF-8 หรือ TIS-620)",
                "cannot decode as UTF-8 or TIS-620/cp874",
            )
        ) from None
    if encoding == "cp874" and _thai_share(text) < 0.2 and any(b > 127 for b in data[:4096]):
        raise ReadProblemError(
            ReadProblem(
                name,
                "ถอดรหัสอักขระไม่ได้ (ไม่ใช่ UTF-8 หรือ TIS-620)",
                "bytes are neither UTF-8 nor TIS-620/cp874 Thai",
            )
        )
    if not text.strip("\ufeff\u200b\u200c\u200d \t\r\n"):
        raise ReadProblemError(ReadProblem(name, "ไฟล์ไม่มีเนื้อหา", "file has no visible text"))
    return SourceText(name, text.replace("\r\n", "\n").replace("\r", "\n"), encoding, truncated)


class ReadProblemError(Exception):
    def __init__(self, problem: ReadProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem
