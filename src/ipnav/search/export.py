"""Exporting result sets: CSV, XLSX, RIS or JSON Lines, streamed and written atomically.

:func:`export_records` is the one entry point the CLI and the web app call. It takes the
records as an iterator of any length (a search's hits, ``PatentStore.iter_records()``) and
hands them one at a time to the writer that :data:`EXPORTERS` names, so memory stays flat
whatever the size of the set; there is no record cap.

The writer writes to a hidden temporary file in the target's folder, which is renamed over the
target only when the whole set has been written (``os.replace``, atomic on POSIX and Windows
within one file system). An export that fails half-way, whether the iterator raises, the disk
fills or the user interrupts it, leaves no half file and leaves an earlier file of the same
name untouched.

Formats (see each writer's module for its decisions):

* ``csv``: UTF-8 with BOM, the columns of :mod:`ipnav.search.export_columns`;
* ``xlsx``: the same columns in a streamed workbook, with an ``About`` sheet;
* ``ris``: ``TY  - PAT`` references for reference managers (:mod:`ipnav.search.export_ris`);
* ``jsonl``: one canonical record per line, ``PatentRecord.model_dump(mode="json")``: ipnav's
  own import format, which ``ipnav ingest`` reads back into equal records.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

from ipnav.errors import IpnavError
from ipnav.model.record import PatentRecord
from ipnav.search.export_columns import COLUMNS, ExportRow
from ipnav.search.export_ris import write_ris
from ipnav.search.export_tabular import write_csv, write_xlsx

Progress = Callable[[int], None]
"""Called with the number of records written so far (every ``PROGRESS_EVERY`` and at the end)."""

PROGRESS_EVERY = 1000


class ExportError(IpnavError):
    """An export that cannot be started: unknown format, missing folder."""


class Writer(Protocol):
    def __call__(
        self, rows: Iterable[ExportRow], target: Path, *, lang: str, meta: Mapping[str, Any]
    ) -> None:
        """Write every row to ``target`` (a new file), consuming ``rows`` once."""
        ...


@dataclass(frozen=True)
class Exporter:
    """A registered export format."""

    name: str
    suffix: str
    media_type: str
    write: Writer


def write_jsonl(
    rows: Iterable[ExportRow], target: Path, *, lang: str, meta: Mapping[str, Any]
) -> None:
    """One canonical record per line. Rank, score and ``meta`` are not written: the records
    must stay valid ``PatentRecord`` JSON (extra keys are refused), and a header line would
    be read as a record by every JSON Lines reader."""
    with target.open("wb") as handle:
        for row in rows:
            handle.write(orjson.dumps(row.record.model_dump(mode="json")) + b"\n")


EXPORTERS: dict[str, Exporter] = {
    "csv": Exporter("csv", ".csv", "text/csv; charset=utf-8", write_csv),
    "xlsx": Exporter(
        "xlsx",
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        write_xlsx,
    ),
    "ris": Exporter("ris", ".ris", "application/x-research-info-systems", write_ris),
    "jsonl": Exporter("jsonl", ".jsonl", "application/x-ndjson", write_jsonl),
}
"""Export formats by name; ``export_records(format=...)`` takes one of these keys."""


def exporter_for(path: Path, format: str | None = None) -> Exporter:
    """The exporter named by ``format``, else the one for the path's suffix."""
    known = ", ".join(sorted(EXPORTERS))
    if format is not None:
        exporter = EXPORTERS.get(format.strip().lower().lstrip("."))
        if exporter is None:
            raise ExportError(f"unknown export format {format!r}; known formats: {known}")
        return exporter
    suffix = path.suffix.lower()
    for exporter in EXPORTERS.values():
        if exporter.suffix == suffix:
            return exporter
    raise ExportError(
        f"cannot tell the export format of {path.name!r} from its suffix "
        f"{suffix or '(none)'!r}; name the file .csv, .xlsx, .ris or .jsonl, "
        f"or give the format (one of: {known})"
    )


def export_records(
    records: Iterable[PatentRecord],
    path: Path,
    *,
    format: str | None = None,
    lang: str = "zh",
    scores: Mapping[str, float] | None = None,
    progress: Progress | None = None,
    meta: Mapping[str, Any] | None = None,
) -> int:
    """Write ``records`` to ``path`` in ``format`` (default: from the suffix); return the count.

    Parameters
    ----------
    records
        Any iterable, consumed once, in result order: the rank column is the position in it.
    lang
        Preferred language of titles, abstracts and claims (falling back to Chinese, then
        English, then any), and of the tabular headers (``zh``: bilingual, else English).
    scores
        Score of each record by id, for the score column; records without one get none.
    progress
        Called with the number of records written so far.
    meta
        Facts about the export (``query`` above all) for the formats that can hold them
        (the XLSX ``About`` sheet).

    Raises
    ------
    ExportError
        Unknown format or missing folder, before anything is written. Errors while writing
        (including the iterator's own) propagate unchanged, after the partial file is removed.
    """
    path = Path(path)
    exporter = exporter_for(path, format)
    if not path.parent.is_dir():
        raise ExportError(f"cannot export to {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise ExportError(f"cannot export to {path}: it is a folder; give a file name")
    rows = _Rows(records, scores or {}, progress)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        exporter.write(rows, temporary, lang=lang, meta=dict(meta or {}))
        _sync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if progress:
        progress(rows.count)
    return rows.count


class _Rows:
    """The records as ranked rows, counted, reporting progress; iterable once."""

    def __init__(
        self,
        records: Iterable[PatentRecord],
        scores: Mapping[str, float],
        progress: Progress | None,
    ) -> None:
        self._records = records
        self._scores = scores
        self._progress = progress
        self.count = 0

    def __iter__(self) -> Iterator[ExportRow]:
        for rank, record in enumerate(self._records, start=1):
            yield ExportRow(rank, self._scores.get(record.id), record)
            self.count = rank
            if self._progress and rank % PROGRESS_EVERY == 0:
                self._progress(rank)


def _sync(path: Path) -> None:
    """Flush the finished file to disk before it replaces the target."""
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


__all__ = [
    "COLUMNS",
    "EXPORTERS",
    "ExportError",
    "ExportRow",
    "Exporter",
    "export_records",
    "exporter_for",
]
