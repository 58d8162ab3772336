"""Keeping the search indexes in step with the store: full builds and incremental updates.

``ipnav index`` (and ``ipnav ingest`` / ``ipnav demo`` when indexes exist)
call :func:`update_indexes`. A full build reads every record; an update reads
only the records written since the last run (``patent.updated_at`` after the
time kept in ``IPNAV_HOME/index/state.json``) and removes ids the store no
longer has (e.g. a kind-less record merged into the publication with its kind);
that scan of all ids runs only when the index and the store disagree on the count.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from ipnav.search.base import SearchQuery
from ipnav.search.dense import DenseIndex, DenseIndexError
from ipnav.search.encoders import make_encoder
from ipnav.search.lexical import (
    LexicalIndex,
    LexicalIndexError,
    LexicalIndexMissing,
    LexicalIndexOutdated,
    index_dir,
)
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore

Progress = Callable[[str, int, int | None], None]  # stage, done, total


@dataclass
class IndexReport:
    rebuilt: bool
    indexed: int
    deleted: int
    dense: bool
    seconds: float
    dense_rebuilt: bool = False  # re-encoded in full (new index, other format or encoder)


def state_path(settings: Settings) -> Path:
    return settings.home / "index" / "state.json"


def _read_state(settings: Settings) -> dict:
    try:
        return orjson.loads(state_path(settings).read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return {}


def _write_state(settings: Settings, state: dict) -> None:
    path = state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2))
    tmp.replace(path)


def indexes_exist(settings: Settings) -> bool:
    return state_path(settings).exists()


def update_indexes(
    settings: Settings,
    store: PatentStore,
    *,
    rebuild: bool = False,
    dense: bool = True,
    progress: Progress | None = None,
) -> IndexReport:
    """Build (or bring up to date) the lexical and, if asked, the dense index."""
    started = time.perf_counter()
    state = _read_state(settings)
    until = store.last_update()
    since = None
    if not rebuild and state.get("indexed_until"):
        since = dt.datetime.fromisoformat(state["indexed_until"])
    try:
        lexical = None if rebuild or since is None else LexicalIndex.open(settings)
    except (LexicalIndexMissing, LexicalIndexOutdated):  # none yet, or another schema
        lexical, since = None, None
    full = lexical is None
    dense_full = full
    with_dense = dense and (full or state.get("dense", False))
    total = store.count_updated_after(since)

    def tick(stage: str):
        def report(done: int, _total: int | None = None) -> None:
            if progress:
                progress(stage, done, total)

        return report

    if full:
        try:
            lexical = LexicalIndex.open(settings, create=True)
        except LexicalIndexOutdated:  # of another schema: useless, start afresh
            shutil.rmtree(index_dir(settings))
            lexical = LexicalIndex.open(settings, create=True)
        indexed = lexical.build(store.iter_records(), progress=tick("lexical"), total=total)
    else:
        indexed = lexical.add(store.iter_records(updated_after=since), progress=tick("lexical"))
    stale: set[str] = set()
    if lexical.count() != store.count():
        # every stored record is indexed now, so equal counts mean nothing is stale;
        # otherwise (a record merged away since) find the ids the store no longer has
        stale = set(lexical.doc_ids(SearchQuery())) - set(store.ids())
    if stale:
        lexical.delete(stale)
    if with_dense:
        encoder = make_encoder(settings.dense_encoder)
        try:
            vectors = DenseIndex.open(settings, encoder, rebuild=full, view=False)
        except DenseIndexError:  # another format or encoder: re-encode everything
            vectors, dense_full = DenseIndex.open(settings, encoder, rebuild=True, view=False), True
        records = store.iter_records(updated_after=None if dense_full else since)
        if dense_full:
            total = store.count()
            vectors.build(records, progress=tick("dense"), total=total)
        else:
            vectors.add(records, progress=tick("dense"))
        if stale:
            vectors.delete(stale)
    _write_state(
        settings,
        {
            "indexed_until": until.isoformat() if until else None,
            "dense": with_dense,
            "dense_encoder": settings.dense_encoder if with_dense else None,
            "documents": lexical.count(),
        },
    )
    return IndexReport(
        rebuilt=full,
        indexed=indexed,
        deleted=len(stale),
        dense=with_dense,
        seconds=time.perf_counter() - started,
        dense_rebuilt=with_dense and dense_full,
    )


__all__ = ["IndexReport", "LexicalIndexError", "indexes_exist", "update_indexes"]
