"""Ingesting files: read -> map -> store in batches, with a log, progress and a rejects report.

Guarantees, whatever the input:

* batches are stored in one transaction each, in reading order, so a crash or
  a kill leaves every earlier batch complete and nothing half-written (a batch
  is stored by a background thread while the next one is read: for full-text
  documents the store mostly waits on the disk, and reading need not wait with it);
* re-ingesting the same content changes nothing and says so (source rows are
  compared by content hash; a file already ingested cleanly is recognised by
  its fingerprint and skipped unless ``force``);
* every rejected record is written, with its line / record number and the
  reason, to a JSON Lines report in ``IPNAV_HOME/reports``;
* a file that cannot be read as a whole raises :class:`InputFileError` after
  the good records before the fault have been stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import orjson

from ipnav.ingest.base import InputFileError, Parsed, PreparingReader, Rejected
from ipnav.ingest.files import logical_name, report_bytes_read
from ipnav.ingest.formats import ReaderOptions, detect_format, make_reader
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore, SourceItem, UpsertResult, stored_form
from ipnav.store.runs import IngestLog, RunCounts

# Bump when a reader or mapper changes what it produces, so that files ingested
# by an older version are read again instead of being skipped as unchanged.
PIPELINE_VERSION = "2"

# A batch is also cut when its records' stored JSON reaches this many bytes:
# full-text documents (USPTO descriptions, ~120 KB of JSON each) would otherwise
# make a 1,000-record batch hold gigabytes while it is merged and written.
MAX_BATCH_BYTES = 20_000_000

Progress = Callable[[int, int, RunCounts], None]  # bytes done, bytes total, counts


@dataclass
class IngestReport:
    """What one file's ingest did."""

    path: Path
    format: str
    dataset: str
    counts: RunCounts = field(default_factory=RunCounts)
    skipped: bool = False
    rejects_path: Path | None = None
    seconds: float = 0.0
    run_id: int | None = None
    error: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.counts.new or self.counts.updated)


def fingerprint(path: Path, format: str, options: ReaderOptions) -> str:
    """Content hash of the file (and mapping), the format and the pipeline version."""
    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{format}|".encode())
    if options.mapping is not None and not options.mapping.is_file():
        digest.update(f"preset:{options.mapping}|".encode())  # a built-in preset by name
    for source in (path, options.mapping):
        if source is None or not source.is_file():
            continue
        with source.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    if options.encoding:
        digest.update(options.encoding.encode())
    return digest.hexdigest()


def default_dataset(path: Path, settings: Settings) -> str:
    """Dataset name: the corpus folder for files in the sample data, else the file's stem."""
    try:
        path.resolve().relative_to(settings.sample_data.resolve())
        return path.resolve().parent.name
    except ValueError:
        name = logical_name(path)
        return name.rsplit(".", 1)[0] if "." in name else name


class _BatchWriter:
    """Stores batches one at a time, in order, in a background thread.

    :meth:`submit` returns as soon as the previous batch is stored, so one batch
    is stored while the next is read; each is one transaction
    (:meth:`PatentStore.upsert`), and its counts are added once it is stored.
    The thread starts with the first batch, after a reader's worker processes
    were forked.
    """

    def __init__(self, store: PatentStore, run_id: int, counts: RunCounts) -> None:
        self._store, self._run_id, self._counts = store, run_id, counts
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ipnav-ingest-store")
        self._pending: Future[UpsertResult] | None = None

    def submit(self, batch: list[SourceItem]) -> None:
        self.settle()
        self._pending = self._pool.submit(self._store.upsert, batch, self._run_id)

    def settle(self) -> None:
        """Wait for the batch being stored and count it; its error is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self._count(pending.result())

    def close(self) -> BaseException | None:
        """Wait for a batch still being stored (stored whole or not at all): counted if it
        was, its error returned, not raised, for an ingest that is failing already."""
        pending, self._pending = self._pending, None
        error = None
        if pending is not None:
            wait_for([pending])
            error = pending.exception()
            if error is None:
                self._count(pending.result())
        self._pool.shutdown(wait=True)
        return error

    def _count(self, result: UpsertResult) -> None:
        self._counts.new += result.new
        self._counts.updated += result.updated
        self._counts.unchanged += result.unchanged


class _RejectsWriter:
    """Opens the report file on the first rejection only."""

    def __init__(self, directory: Path, path: Path, run_id: int) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.path = directory / f"{logical_name(path)}.run{run_id}-{stamp}.rejects.jsonl"
        self.source = str(path)
        self._handle: IO[bytes] | None = None

    def write(self, item: Rejected) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("wb")
        entry = {
            "file": self.source,
            "line": item.location.line,
            "record": item.location.record,
            "source_key": item.source_key,
            "reason": item.reason,
            "excerpt": item.excerpt,
        }
        self._handle.write(orjson.dumps(entry) + b"\n")
        self._handle.flush()

    def close(self) -> Path | None:
        if self._handle is None:
            return None
        self._handle.close()
        return self.path


def ingest_file(
    store: PatentStore,
    settings: Settings,
    path: Path,
    *,
    format: str = "auto",
    dataset: str | None = None,
    options: ReaderOptions | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one file into ``store``; see the module docstring for the guarantees."""
    options = options or ReaderOptions()
    started = time.perf_counter()
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    chosen = detect_format(path) if format == "auto" else format
    reader = make_reader(chosen, options)
    dataset = dataset or default_dataset(path, settings)
    report = IngestReport(path=path, format=chosen, dataset=dataset)
    log = IngestLog(store.engine)
    print_key = fingerprint(path, chosen, options)
    if not force:
        previous = log.completed(print_key, dataset)
        if previous is not None:
            report.skipped = True
            report.run_id = previous["id"]
            report.counts = RunCounts(read=previous["read"], unchanged=previous["read"])
            report.seconds = time.perf_counter() - started
            return report
    total = path.stat().st_size
    run_id = log.start(str(path.resolve()), chosen, dataset, print_key)
    report.run_id = run_id
    rejects = _RejectsWriter(settings.reports_dir, path, run_id)
    counts = report.counts
    batch: list[SourceItem] = []
    batch_bytes = 0
    position = 0

    def on_bytes(done: int) -> None:
        nonlocal position
        position = done

    writer = _BatchWriter(store, run_id, counts)

    def flush() -> None:
        nonlocal batch, batch_bytes
        if batch:
            writer.submit(batch)
            batch, batch_bytes = [], 0
        if progress:
            progress(position, total, counts)

    # Readers that map in worker processes serialise records for the store there.
    if getattr(reader, "prepares", False):
        items = cast(PreparingReader, reader).read(path, dataset=dataset, prepare=stored_form)
    else:
        items = reader.read(path, dataset=dataset)
    status, message = "failed", None
    try:
        with report_bytes_read(on_bytes):
            for item in items:
                counts.read += 1
                if isinstance(item, Rejected):
                    counts.rejected += 1
                    rejects.write(item)
                    continue
                if isinstance(item, Parsed):
                    stored = stored_form(item.record)
                    batch.append(SourceItem(dataset, item.source_key, item.record, stored))
                else:  # Prepared
                    stored = item.value
                    batch.append(SourceItem(dataset, item.source_key, stored=stored))
                batch_bytes += len(stored.json)
                if len(batch) >= settings.ingest_batch_size or batch_bytes >= MAX_BATCH_BYTES:
                    flush()
        flush()
        writer.settle()
        status = "completed" if counts.rejected == 0 else "completed_with_rejects"
    except InputFileError as exc:
        flush()  # the good records before the fault are kept
        writer.settle()
        message = str(exc)
        report.error = message
        raise
    except BaseException as exc:
        status, message = "interrupted", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        failed = writer.close()
        if failed is not None and message is not None:
            message += f"; storing the last batch failed too: {type(failed).__name__}: {failed}"
        report.rejects_path = rejects.close()
        log.finish(
            run_id,
            counts,
            status,
            message,
            str(report.rejects_path) if report.rejects_path else None,
        )
        report.seconds = time.perf_counter() - started
    if progress:
        progress(total, total, counts)
    return report
