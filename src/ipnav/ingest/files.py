"""Opening input files: gzip transparently, binary data refused with a clear message."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import BinaryIO

from ipnav.ingest.base import InputFileError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"


def open_input(path: Path) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing ``.gz`` (by content, not name).

    Raises :class:`InputFileError` when the file is missing or unreadable.
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputFileError(f"{path}: cannot open ({exc.strerror or exc})") from exc
    head = raw.peek(2)[:2] if isinstance(raw, io.BufferedReader) else b""
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def looks_binary(sample: bytes) -> bool:
    """True for data no text format can hold (NUL bytes), e.g. an image or a PDF."""
    return b"\x00" in sample


def logical_name(path: Path) -> str:
    """File name without a trailing ``.gz`` (``a.xml.gz`` -> ``a.xml``)."""
    name = path.name
    return name[:-3] if name.lower().endswith(".gz") else name
