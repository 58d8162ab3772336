"""Opening input files: gzip transparently, progress by bytes read, binary data refused."""

from __future__ import annotations

import contextlib
import contextvars
import gzip
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ipnav.ingest.base import InputFileError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"

# Set by the ingest pipeline while it drains a reader: called with the number of
# (compressed) bytes read so far, so a progress bar can run over the file size
# without the readers knowing about progress at all.
_byte_progress: contextvars.ContextVar[Callable[[int], None] | None] = contextvars.ContextVar(
    "ipnav_byte_progress", default=None
)


@contextlib.contextmanager
def report_bytes_read(callback: Callable[[int], None]) -> Iterator[None]:
    """Within this block, files opened by :func:`open_input` report bytes read."""
    token = _byte_progress.set(callback)
    try:
        yield
    finally:
        _byte_progress.reset(token)


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO, callback: Callable[[int], None]) -> None:
        self._raw = raw
        self._callback = callback
        self._done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self._done += n
            self._callback(self._done)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_input(path: Path) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing gzip (by content, not name).

    Raises :class:`InputFileError` when the file is missing or unreadable.
    """
    try:
        raw: BinaryIO = path.open("rb", buffering=0)  # type: ignore[assignment]
    except OSError as exc:
        raise InputFileError(f"{path}: cannot open ({exc.strerror or exc})") from exc
    callback = _byte_progress.get()
    if callback is not None:
        raw = _CountingReader(raw, callback)  # type: ignore[assignment]
    buffered = io.BufferedReader(raw, buffer_size=1 << 16)  # type: ignore[arg-type]
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered  # type: ignore[return-value]


def read_head(path: Path, size: int = 4096) -> bytes:
    """The first ``size`` bytes of the (decompressed) content, for format sniffing."""
    try:
        with open_input(path) as stream:
            return stream.read(size)
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path}: cannot read ({exc})") from exc


def looks_binary(sample: bytes) -> bool:
    """True for data no text format can hold (NUL bytes), e.g. an image or a PDF."""
    return b"\x00" in sample


def logical_name(path: Path) -> str:
    """File name without a trailing ``.gz`` (``a.xml.gz`` -> ``a.xml``)."""
    name = path.name
    return name[:-3] if name.lower().endswith(".gz") else name
