"""The input formats ``ipnav ingest`` knows, and how ``--format auto`` picks one.

A plain registry: format name -> factory of a :class:`~ipnav.ingest.base.Reader`.
Readers are imported lazily so that importing ipnav costs nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ipnav.ingest.base import InputFileError, Reader
from ipnav.ingest.files import GZIP_MAGIC, ZIP_MAGIC, logical_name, looks_binary, read_head


@dataclass(frozen=True)
class ReaderOptions:
    """Options some readers take (the CSV/XLSX column mapping, a forced encoding)."""

    mapping: Path | None = None
    encoding: str | None = None


# format name -> (module, class, takes the tabular options)
_READERS: dict[str, tuple[str, str, bool]] = {
    "jsonl": ("ipnav.ingest.jsonl", "JsonlReader", False),
    "uspto-xml": ("ipnav.ingest.uspto_xml", "UsptoXmlReader", False),
    "uspto-pap": ("ipnav.ingest.uspto_pap", "UsptoPapReader", False),
    "uspto-sgml": ("ipnav.ingest.uspto_sgml", "UsptoSgmlReader", False),
    "uspto-aps": ("ipnav.ingest.uspto_aps", "UsptoApsReader", False),
    "csv": ("ipnav.ingest.tabular", "CsvReader", True),
    "xlsx": ("ipnav.ingest.tabular", "XlsxReader", True),
}


def available_formats() -> list[str]:
    """Formats whose reader module is present in this installation."""
    names = []
    for name, (module, _, _) in _READERS.items():
        if importlib.util.find_spec(module) is not None:
            names.append(name)
    return names


def make_reader(format: str, options: ReaderOptions | None = None) -> Reader:
    """The reader for ``format``; unknown names list the known ones."""
    options = options or ReaderOptions()
    if format not in _READERS or format not in available_formats():
        raise InputFileError(
            f"unknown format {format!r}; use one of: auto, {', '.join(available_formats())}"
        )
    module, cls, tabular = _READERS[format]
    reader_class = getattr(importlib.import_module(module), cls)
    if tabular:
        return reader_class(mapping=options.mapping, encoding=options.encoding)
    if options.mapping is not None:
        raise InputFileError(f"--mapping applies to csv and xlsx files, not to {format}")
    return reader_class()


_BY_SUFFIX = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}


def detect_format(path: Path) -> str:
    """Pick a format from the file name, then from the first bytes of its content."""
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    suffix = Path(logical_name(path)).suffix.lower()
    head = read_head(path)
    if not head:
        raise InputFileError(f"{path}: the file is empty")
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in (".xml", ".sgml", ".txt", ".greenbook", "") or stripped.startswith(b"<"):
        sniffed = _sniff_uspto(head)
        if sniffed:
            return sniffed
    if stripped.startswith(b"{"):
        return "jsonl"
    if looks_binary(head) or head.startswith(GZIP_MAGIC):
        raise InputFileError(
            f"{path}: binary data of an unknown kind; ipnav reads JSONL, USPTO XML, CSV and XLSX"
        )
    raise InputFileError(
        f"{path}: cannot tell the format from the name or the content; "
        f"give --format ({', '.join(available_formats())})"
    )


def _sniff_uspto(head: bytes) -> str | None:
    if importlib.util.find_spec("ipnav.ingest.uspto_xml") is None:
        return None
    module = importlib.import_module("ipnav.ingest.uspto_xml")
    sniff = getattr(module, "sniff", None)
    if sniff is not None:
        return sniff(head)
    return "uspto-xml" if b"us-patent-" in head else None
