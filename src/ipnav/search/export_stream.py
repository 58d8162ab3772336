"""Exports as a stream of bytes, for a download that starts before the set is read.

:func:`stream_export` yields the bytes of the very file :func:`~ipnav.search.export.export_records`
would write for the same records (a test holds them equal), a few hundred records at a time:

* ``csv``, ``jsonl`` and ``ris`` are written row by row into a small buffer that is
  handed on every :data:`CHUNK_ROWS` records, so memory stays flat and the first
  bytes leave at once;
* ``xlsx`` is a zip archive whose directory comes last, so it cannot be sent before
  it is finished: the workbook is written (streamed by openpyxl, one row at a time)
  to a temporary file, which is then sent in :data:`CHUNK_BYTES` pieces and removed,
  also when the download is cancelled.

The records are an iterator consumed once, in result order; the caller reads the ids
in batches (:meth:`ipnav.search.service.SearchService.result_ids`) and their records
a batch at a time (:func:`fetch_records`).
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ipnav.model.record import PatentRecord
from ipnav.search.export import EXPORTERS, Exporter, ExportError
from ipnav.search.export_columns import ExportRow, headers, row_cells
from ipnav.search.export_ris import ris_entry
from ipnav.search.export_tabular import _csv_cell

if TYPE_CHECKING:
    from ipnav.store.patents import PatentStore

CHUNK_ROWS = 200
CHUNK_BYTES = 1 << 16


def fetch_records(
    store: PatentStore, ids: Iterable[str], batch: int = CHUNK_ROWS
) -> Iterator[PatentRecord]:
    """The records of ``ids`` in their order, read ``batch`` ids at a time.

    One :meth:`~ipnav.store.patents.PatentStore.get_many` per batch (two statements)
    instead of two per record; lazy, so an export that stops early reads no further.
    Ids the store no longer has (deleted or merged away since the search) are skipped.
    """
    ids = iter(ids)
    while chunk := list(itertools.islice(ids, batch)):
        yield from store.get_many(chunk)


def exporter(format: str) -> Exporter:
    """The registered format ``format`` (``csv``, ``xlsx``, ``ris``, ``jsonl``)."""
    found = EXPORTERS.get(format.strip().lower())
    if found is None:
        raise ExportError(
            f"unknown export format {format[:40]!r}; known formats: {', '.join(sorted(EXPORTERS))}"
        )
    return found


def stream_export(
    records: Iterable[PatentRecord],
    format: str,
    *,
    lang: str = "zh",
    scores: Mapping[str, float] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Iterator[bytes]:
    """The export file of ``records`` in ``format``, as consecutive byte chunks.

    Raises :class:`~ipnav.search.export.ExportError` for an unknown format before
    anything is read. ``scores`` and ``meta`` mean what they mean for
    :func:`~ipnav.search.export.export_records`.
    """
    chosen = exporter(format)
    rows = (
        ExportRow(rank, (scores or {}).get(record.id), record)
        for rank, record in enumerate(records, start=1)
    )
    writers = {"csv": _csv_chunks, "jsonl": _jsonl_chunks, "ris": _ris_chunks}
    if chosen.name in writers:
        return writers[chosen.name](rows, lang)
    return _file_chunks(chosen, rows, lang, dict(meta or {}))


def _csv_chunks(rows: Iterable[ExportRow], lang: str) -> Iterator[bytes]:
    """As :func:`~ipnav.search.export_tabular.write_csv`: UTF-8 with BOM, CR LF rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers(lang))
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(cell) for cell in row_cells(row, lang)])
        if n % CHUNK_ROWS == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _jsonl_chunks(rows: Iterable[ExportRow], lang: str) -> Iterator[bytes]:
    """As :func:`~ipnav.search.export.write_jsonl`: one canonical record per line."""
    lines: list[bytes] = []
    for row in rows:
        lines.append(orjson.dumps(row.record.model_dump(mode="json")) + b"\n")
        if len(lines) == CHUNK_ROWS:
            yield b"".join(lines)
            lines = []
    yield b"".join(lines)


def _ris_chunks(rows: Iterable[ExportRow], lang: str) -> Iterator[bytes]:
    """As :func:`~ipnav.search.export_ris.write_ris`: UTF-8, no BOM, CR LF line ends."""
    from rispy import RisWriter

    class _Writer(RisWriter):
        def set_header(self, count: int) -> str:
            return ""

    writer = _Writer()
    buffer = io.StringIO(newline="")
    for index, row in enumerate(rows):
        if index:
            buffer.write("\n")
        buffer.write(writer.formats([ris_entry(row.record, lang)]))
        if (index + 1) % CHUNK_ROWS == 0:
            yield _drain(buffer).replace(b"\n", b"\r\n")
    yield _drain(buffer).replace(b"\n", b"\r\n")


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def _file_chunks(
    chosen: Exporter, rows: Iterable[ExportRow], lang: str, meta: dict[str, Any]
) -> Iterator[bytes]:
    """Write the whole file to a temporary folder, then send it; the folder is removed
    when the generator ends or is closed (a cancelled download)."""
    folder = Path(tempfile.mkdtemp(prefix="ipnav-export-"))
    try:
        target = folder / f"export{chosen.suffix}"
        chosen.write(rows, target, lang=lang, meta=meta)
        with target.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk
    finally:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["CHUNK_ROWS", "exporter", "fetch_records", "stream_export"]
