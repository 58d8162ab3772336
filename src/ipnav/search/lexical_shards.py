"""A full lexical build on several cores: shards written by forked workers, then adopted.

A Tantivy index takes one writer, and a record's document is made by Python
code (:func:`~ipnav.search.lexical_schema.to_document`: segmenting Chinese,
building tokens) that holds the GIL; one process therefore keeps about one core
busy, the writer's indexing thread a second one part of the time. A full
rebuild splits the records into **shards** instead:

* the parent cuts the record stream into shards of up to ``shard_size`` records
  and forks one worker per shard, at most ``workers`` at a time. A forked worker
  inherits its shard (no record is pickled), maps it with ``to_document`` (the
  same function an incremental update and a batch job use) and writes it with a
  writer of its own into a folder of its own (one segment, unless the shard
  outgrows the writer's memory budget);
* the parent **adopts** each finished shard: it moves the segment files, left
  as Tantivy wrote them, into the index being built and adds the segments to
  the list in its ``meta.json``. At the end Tantivy's merge policy runs once,
  as a single writer's background merges would have: two shards (the demo
  corpus on two cores) stay two segments, while the 40 shards of a million
  records are merged, which the parent then waits for (~45 µs a record).

Documents, and hence what a query finds and how it scores, are the same as
those of a one-process build; only the split into segments differs. The
parent's cyclic garbage collector is frozen before each fork (``gc.freeze``, as
the Python docs advise) so that neither side re-scans the records every worker
inherited.
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

import tantivy

from ipnav.errors import IpnavError
from ipnav.model.record import PatentRecord
from ipnav.search.lexical_schema import build_schema, register_analyzers, to_document
from ipnav.text.segment import Segmenter

#: A shard's records are held in memory by the parent and, copy-on-write, its worker.
MAX_SHARD = 25_000
#: Below this many records per worker, forking costs more than it saves.
MIN_SHARD = 2_000
_REPORT_EVERY = 1000  # records between a worker's progress messages

Progress = Callable[[int], None]


class ShardBuildError(IpnavError):
    """A worker could not write its shard."""


@contextmanager
def frozen_gc() -> Iterator[None]:
    """Leave the objects that exist now (e.g. a caller's records) out of garbage collection.

    A build allocates millions of short-lived objects, each collection of the
    oldest generation would otherwise walk every record held in memory (a fifth
    of a one-process build's time on the demo corpus); forked workers also keep
    sharing those pages. Unfrozen on exit.
    """
    if not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def default_workers() -> int:
    """Worker processes for a full build: the cores, where fork is available, else 1."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def shard_size(total: int | None, workers: int) -> int:
    """Records per shard: the corpus split evenly over the workers, within bounds.

    With the total unknown every shard is :data:`MAX_SHARD` records.
    """
    if total is None:
        return MAX_SHARD
    return max(MIN_SHARD, min(MAX_SHARD, math.ceil(total / workers)))


@dataclass
class _Running:
    process: multiprocessing.process.BaseProcess
    folder: Path
    records: int
    reported: int = 0


def build_shards(
    path: Path,
    segmenter: Segmenter,
    records: Iterator[PatentRecord],
    *,
    workers: int,
    size: int,
    heap: int,
    progress: Progress | None = None,
) -> int:
    """Index ``records`` into the empty index at ``path`` with forked workers.

    Returns the number of records indexed. The index at ``path`` must have no
    writer open while this runs; a failing worker stops the others and raises
    :class:`ShardBuildError` with its reason. Run it inside :func:`frozen_gc`:
    the collector is frozen again before each fork.
    """
    context = multiprocessing.get_context("fork")
    segmenter.jieba  # noqa: B018  load the dictionary once, before forking
    running: dict[Connection, _Running] = {}
    indexed = 0
    try:
        for number in itertools.count():
            shard = list(itertools.islice(records, size))
            if not shard:
                break
            while len(running) >= workers:
                indexed = _collect(path, running, indexed, progress)
            receiver, sender = context.Pipe(duplex=False)
            folder = path / f"shard-{number}"
            if gc.isenabled():
                gc.freeze()  # the shard too: not scanned again, pages stay shared
            process = context.Process(
                target=_work,
                args=(folder, segmenter, shard, heap, sender),
                name=f"ipnav-lexical-shard-{number}",
                daemon=True,
            )
            process.start()
            sender.close()
            running[receiver] = _Running(process, folder, len(shard))
            del shard
        while running:
            indexed = _collect(path, running, indexed, progress)
    finally:
        for receiver, shard in running.items():
            shard.process.terminate()
            shard.process.join()
            receiver.close()
            shutil.rmtree(shard.folder, ignore_errors=True)
    _merge(path, heap)
    return indexed


def _collect(
    path: Path, running: dict[Connection, _Running], indexed: int, progress: Progress | None
) -> int:
    """Handle the messages of the workers that have sent some; adopt finished shards."""
    for receiver in wait(list(running)):
        assert isinstance(receiver, Connection)
        shard = running[receiver]
        try:
            kind, value = receiver.recv()
        except EOFError:
            shard.process.join()
            kind, value = "error", f"the worker stopped (exit code {shard.process.exitcode})"
        if kind == "error":
            raise ShardBuildError(f"building lexical shard {shard.folder.name} failed: {value}")
        indexed += value - shard.reported
        shard.reported = value
        if kind == "done":
            shard.process.join()
            receiver.close()
            del running[receiver]
            adopt(path, shard.folder)
        if progress:
            progress(indexed)
    return indexed


def _work(
    folder: Path, segmenter: Segmenter, records: list[PatentRecord], heap: int, out: Connection
) -> None:
    """Worker side: write ``records`` as a new index in ``folder``; report counts on ``out``."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        index = tantivy.Index(build_schema(), path=str(folder))
        register_analyzers(index)
        writer = index.writer(heap_size=heap, num_threads=1)
        for done, record in enumerate(records, start=1):
            writer.add_document(to_document(record, segmenter))
            if done % _REPORT_EVERY == 0:
                out.send(("progress", done))
        writer.commit()
        writer.wait_merging_threads()
        out.send(("done", len(records)))
    except Exception as exc:  # reported to the parent, which raises it
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


def adopt(path: Path, shard: Path) -> None:
    """Move the segments of the index in ``shard`` into the index at ``path``.

    Both must have the same schema and no open writer. The segment files are
    renamed into ``path``, listed in its ``meta.json`` and in ``.managed.json``
    (so that Tantivy deletes them once merged away); ``shard`` is removed.
    """
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    theirs = json.loads((shard / "meta.json").read_text(encoding="utf-8"))
    if theirs["schema"] != meta["schema"]:
        raise ShardBuildError(f"the shard in {shard} has another schema than the index in {path}")
    moved: list[str] = []
    for segment in theirs["segments"]:
        prefix = segment["segment_id"].replace("-", "")
        for file in shard.glob(f"{prefix}.*"):
            file.rename(path / file.name)
            moved.append(file.name)
        meta["segments"].append(segment)
    meta["opstamp"] = max(meta["opstamp"], theirs["opstamp"])
    managed_file = path / ".managed.json"
    managed = json.loads(managed_file.read_text(encoding="utf-8")) if managed_file.exists() else []
    _write_json(managed_file, [*managed, *moved])
    _write_json(path / "meta.json", meta)
    shutil.rmtree(shard)


def _merge(path: Path, heap: int) -> None:
    """Let Tantivy's merge policy merge the adopted segments (it leaves a few alone)."""
    index = tantivy.Index.open(str(path))
    writer = index.writer(heap_size=heap, num_threads=1)
    writer.commit()
    writer.wait_merging_threads()


def _write_json(path: Path, value: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value), encoding="utf-8")
    tmp.replace(path)


__all__ = [
    "MAX_SHARD",
    "MIN_SHARD",
    "ShardBuildError",
    "adopt",
    "build_shards",
    "default_workers",
    "frozen_gc",
    "shard_size",
]
