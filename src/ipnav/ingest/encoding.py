"""Which text encoding a table export is in, and decoding it line by line.

Chinese users' exports come in a handful of encodings: UTF-8 (with or without
the BOM Excel writes), GBK from Excel's "CSV" on a Chinese Windows (decoded as
GB18030, its superset, so no GBK file can fail on a rare character), and
UTF-16 with BOM from Excel's "Unicode text". :func:`detect_encoding` decides
from the first bytes; :func:`iter_lines` then decodes the stream incrementally
and, when a later byte does not fit, raises :class:`InputFileError` naming the
line, since a half-decoded patent table is worse than none.

Detection order, most to least certain: a BOM; strict UTF-8 (random GBK bytes
almost never form valid UTF-8, while UTF-8 bytes often form valid GBK, so
UTF-8 must be tried first); strict GB18030 whose double-byte characters lie
mostly in the GB2312 block (Big5 and Windows-1252 text also decode as GBK, but
into rare characters outside it); then charset-normalizer's guess.
"""

from __future__ import annotations

import codecs
import csv
import logging
import zlib
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

from ipnav.ingest.base import InputFileError

log = logging.getLogger(__name__)

SAMPLE_SIZE = 64 * 1024
"""Bytes of the file's start that detection looks at."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Names users type for Chinese encodings, all decoded as GB18030 (a superset).
_GB_ALIASES = {"gbk", "gb2312", "cp936", "gb18030", "euc_cn", "hz"}
_GB2312_SHARE = 0.9


def normalize_encoding(name: str) -> str:
    """Python codec name for a user-given encoding; GBK and GB2312 become GB18030.

    Raises :class:`InputFileError` for a name Python does not know.
    """
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError as exc:
        raise InputFileError(
            f"unknown encoding '{name}'; use e.g. --encoding utf-8, gb18030 or utf-16"
        ) from exc
    return "gb18030" if codec.replace("-", "_") in _GB_ALIASES else codec


def _decodes(sample: bytes, encoding: str) -> bool:
    """Whether ``sample`` decodes strictly; a character cut at the end is allowed."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text without a BOM: ASCII characters leave every other byte NUL."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _mostly_gb2312(sample: bytes) -> bool:
    text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return True
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common >= _GB2312_SHARE * len(wide)


def detect_encoding(sample: bytes) -> str | None:
    """Codec name for a file starting with ``sample``, or None for binary data.

    ``utf-8-sig``, ``utf-16`` and ``utf-32`` (BOM present, the codec strips
    it), ``utf-16-le``/``-be`` (no BOM), ``utf-8``, ``gb18030``, or what
    charset-normalizer proposes. None means the sample holds NUL bytes outside
    UTF-16/32 (an image, a PDF, a ZIP): no text encoding fits.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if b"\x00" in sample:
        return _utf16_without_bom(sample)
    if _decodes(sample, "utf-8"):
        return "utf-8"
    if _decodes(sample, "gb18030") and _mostly_gb2312(sample):
        return "gb18030"
    best = from_bytes(sample).best()
    if best is None:
        return "gb18030" if _decodes(sample, "gb18030") else None
    guess = normalize_encoding(best.encoding)
    log.info("encoding guessed by charset-normalizer: %s", guess)
    return guess


def open_text(
    stream: BinaryIO, path: Path | str, *, encoding: str | None = None
) -> tuple[str, bytes, Iterator[str]]:
    """Decide how a text table file is encoded; return the encoding, its first bytes, its lines.

    ``encoding`` (already normalised) forces one. Binary data raises
    :class:`InputFileError` saying what the file looks like and what to do.
    """
    try:
        sample = stream.read(SAMPLE_SIZE)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFileError(f"{path}: cannot read ({exc})") from exc
    known = describe_binary(sample)
    if known:
        raise InputFileError(f"{path}: looks like {known[0]}, not a CSV file; {known[1]}")
    chosen = encoding or detect_encoding(sample)
    wide = chosen is not None and chosen.startswith(("utf-16", "utf-32"))
    if chosen is None or (b"\x00" in sample and not wide):
        raise InputFileError(
            f"{path}: contains binary data (NUL bytes), not CSV text; "
            "export the table as CSV (UTF-8) or XLSX and read that"
        )
    chunks = chain([sample], read_chunks(stream))
    return chosen, sample, iter_lines(chunks, chosen, name=str(path), detected=encoding is None)


def iter_lines(
    chunks: Iterable[bytes], encoding: str, *, name: str, detected: bool = True
) -> Iterator[str]:
    """Decode a byte stream into lines, each ending in ``"\\n"`` (the last may not).

    Lines are split on ``\\n`` only (``\\r\\n`` stays in the line, which the
    csv module expects); a file using bare ``\\r`` line ends (old Mac Excel)
    is split on ``\\r``. Decoding is incremental: memory stays at one chunk
    plus one line. An undecodable byte raises :class:`InputFileError` naming
    the line, the encoding and ``--encoding``.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_done = 0
    pending = ""
    sep: str | None = None
    for data in _with_end(chunks):
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            prefix = exc.object[: exc.start].decode(encoding, errors="replace")
            line = lines_done + pending.count(sep or "\n") + prefix.count(sep or "\n") + 1
            raise InputFileError(_decode_message(name, line, encoding, exc, detected)) from exc
        if sep is None:  # "\n", unless a "\r" is seen followed by something else first
            pending += text
            cr = pending.find("\r")
            if "\n" in pending or not data:
                sep = "\n" if "\n" in pending or cr < 0 else "\r"
            elif 0 <= cr < len(pending) - 1:
                sep = "\r"
            else:
                continue
            text, pending = pending, ""
        parts = (pending + text).split(sep)
        pending = parts.pop()
        lines_done += len(parts)
        for part in parts:
            yield part + "\n"
    if pending:
        yield pending


def _with_end(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks, empty ones dropped, then one ``b""`` to flush the decoder."""
    for chunk in chunks:
        if chunk:
            yield chunk
    yield b""


def _decode_message(
    name: str, line: int, encoding: str, exc: UnicodeDecodeError, detected: bool
) -> str:
    bad = exc.object[exc.start : exc.start + 4].hex(" ")
    how = "detected from the file's start" if detected else "as given"
    hint = "gb18030" if encoding.startswith("utf") else "utf-8"
    return (
        f"{name}: line {line} is not valid {encoding} ({how}; bytes {bad}); "
        f"the file mixes encodings or is in another one: convert it to UTF-8, "
        f"or give its encoding with --encoding (e.g. --encoding {hint})"
    )


def read_chunks(stream: BinaryIO, size: int = 1 << 16) -> Iterator[bytes]:
    """Chunks of ``size`` bytes from a binary stream until it ends."""
    while chunk := stream.read(size):
        yield chunk


_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook?)", "read an .xlsx with --format xlsx"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook", "save it as .xlsx or CSV in Excel"),
    (b"%PDF-", "a PDF document", "export the table as CSV or XLSX instead"),
    (b"\x89PNG", "a PNG image", "export the table as CSV or XLSX instead"),
    (b"\xff\xd8\xff", "a JPEG image", "export the table as CSV or XLSX instead"),
)


def describe_binary(sample: bytes) -> tuple[str, str] | None:
    """``(what it looks like, what to do)`` for a known non-text file, else None."""
    for magic, what, todo in _MAGIC:
        if sample.startswith(magic):
            return what, todo
    return None


_DELIMITERS = (",", "\t", ";", "|")


def sniff_delimiter(sample: bytes, encoding: str) -> str:
    """The separator that cuts the sample's lines into the most rows of one width > 1."""
    text = sample.decode(encoding, errors="replace")
    lines = text.splitlines()[:50]
    if len(lines) > 1 and len(sample) >= SAMPLE_SIZE:
        lines.pop()  # possibly cut in the middle
    best = (0, 0, ",")
    for delimiter in _DELIMITERS:
        widths: dict[int, int] = {}
        for cells in csv.reader(lines, delimiter=delimiter):
            if len(cells) > 1:
                widths[len(cells)] = widths.get(len(cells), 0) + 1
        for width, count in widths.items():
            if (count, width) > best[:2]:
                best = (count, width, delimiter)
    return best[2]
