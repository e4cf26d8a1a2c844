"""Command-line arguments checked as the API checks them, shared by `circulars search`
and `circulars ask`: a command line the API would refuse is refused, exit code 2, with
a Thai and an English message."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from functools import partial

MAX_K = 50  # the most passages a search or an answer returns, in the API and the CLI
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


# The longest filter texts the API takes (`service.schemas.FiltersIn`).
MAX_ISSUER_CHARS = 200
MAX_DOC_NO_PREFIX_CHARS = 100
MAX_SOURCE_CHARS = 300


def add_filter_flags(parser: argparse.ArgumentParser) -> None:
    """The API's search filters as flags, the same for `circulars search` and `ask`."""
    parser.add_argument("--date-from", type=iso_date,
                        help="YYYY-MM-DD (Common Era), inclusive")
    parser.add_argument("--date-to", type=iso_date, help="YYYY-MM-DD (Common Era), inclusive")
    parser.add_argument("--issuer", type=partial(filter_text, MAX_ISSUER_CHARS),
                        help="issuing office contains this text")
    parser.add_argument("--doc-no-prefix", type=partial(filter_text, MAX_DOC_NO_PREFIX_CHARS),
                        help="document number starts with this, e.g. 'มท 0211'")
    parser.add_argument("--source", type=partial(filter_text, MAX_SOURCE_CHARS),
                        help="only this source file")


def filter_text(limit: int, text: str) -> str | None:
    """A filter's text as the API takes it: trimmed (blank is no filter), at most
    `limit` characters."""
    value = text.strip()
    if len(value) > limit:
        raise argparse.ArgumentTypeError(
            f"ตัวกรองยาวเกิน {limit} ตัวอักษร (ได้ {len(value)}) / "
            f"a filter may be at most {limit} characters (got {len(value)})")
    return value or None


def passage_count(text: str) -> int:
    """-k as the API takes it: an integer 1..MAX_K, refused (exit 2) rather than clamped."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"-k ต้องเป็นจำนวนเต็ม 1-{MAX_K} (ได้ {text!r}) / "
            f"-k must be an integer from 1 to {MAX_K} (got {text!r})") from None
    if not 1 <= value <= MAX_K:
        raise argparse.ArgumentTypeError(
            f"-k ต้องอยู่ระหว่าง 1 ถึง {MAX_K} (ได้ {value}) / "
            f"-k must be from 1 to {MAX_K} (got {value})")
    return value


def iso_date(text: str) -> str:
    """A YYYY-MM-DD date as the API takes it, with a message saying that format."""
    try:
        if not _ISO_DATE_RE.fullmatch(text.strip()):
            raise ValueError(text)
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"วันที่ {text!r} ไม่ถูกต้อง ต้องเป็นแบบ ปปปป-ดด-วว (ค.ศ.) เช่น 2024-10-24 / "
            f"invalid date {text!r}: expected YYYY-MM-DD (Common Era), e.g. 2024-10-24"
        ) from None
