"""Noticing that the indexes on disk changed under a running server, and reopening them.

A web server opens the indexes once, at start-up; ``ipnav index``, ``ipnav ingest``
(which updates existing indexes) and index jobs rewrite them from other processes.
Tantivy's reader follows commits to the folder it opened, but not a new user
dictionary (a rebuild), and the dense index never reloads by itself. So the search
service asks an :class:`IndexWatch` before each search; at most every few seconds
(``IPNAV_SEARCH_RELOAD_SECONDS``) it compares an :class:`IndexStamp` — identity, time
and size of the files every index write replaces atomically, four ``stat`` calls —
and reopens what changed.

Reopening makes new objects rather than changing the open ones (which searches in
other threads are reading): the service swaps its attributes (atomic in Python), and
the old objects go when the last search holding them ends. One thread reopens while
the others go on with the old indexes (they do not wait). The encoder (a model of
hundreds of MB) is kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ipnav.errors import IpnavError
from ipnav.search.dense import DenseIndex, dense_index_path
from ipnav.search.encoders import make_encoder
from ipnav.search.lexical import DICTIONARY_FILE, META_FILE, LexicalIndex, index_dir
from ipnav.settings import Settings

log = logging.getLogger(__name__)

FileStamp = tuple[int, int, int] | None  # inode, mtime (ns), size; None: no such file
#: Files of the lexical index a write replaces: ipnav's schema file and the user
#: dictionary (a rebuild makes new ones), and Tantivy's ``meta.json`` (every commit).
LEXICAL_FILES = (META_FILE, DICTIONARY_FILE, "meta.json")


def _stat(path: Path) -> FileStamp:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_ino, found.st_mtime_ns, found.st_size)


@dataclass(frozen=True)
class IndexStamp:
    """What the index files of a home look like now; unequal stamps: something was written."""

    lexical: tuple[FileStamp, ...]
    dense: FileStamp

    @classmethod
    def read(cls, settings: Settings) -> IndexStamp:
        folder = index_dir(settings)
        return cls(
            lexical=tuple(_stat(folder / name) for name in LEXICAL_FILES),
            dense=_stat(dense_index_path(settings) / "meta.json"),
        )


Indexes = tuple[LexicalIndex, DenseIndex | None]


class IndexWatch:
    """Reopens the indexes of ``settings.home`` when their files change (see the module doc).

    Parameters
    ----------
    settings:
        Where the indexes are, and the encoder a first dense index is opened with.
    stamp:
        The files as they were when the open indexes were opened (read it *before*
        opening them, so that a write in between is noticed).
    every:
        Seconds between two looks at the files; 0 looks before every search.
    """

    def __init__(
        self,
        settings: Settings,
        stamp: IndexStamp,
        every: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.stamp = stamp
        self.every = every
        self.clock = clock
        self._next = clock() + every
        self._lock = threading.Lock()
        self._failed: IndexStamp | None = None

    def check(self, lexical: LexicalIndex, dense: DenseIndex | None, *, force: bool = False):
        """The indexes to use from now on, or None when nothing changed (or it is not time).

        ``force`` looks now, waiting for a look another thread is making. A part that
        fails to open (e.g. in the moment a rebuild swaps folders) is logged once and
        tried again at the next look; the other part is reopened all the same.
        """
        if not force and self.clock() < self._next:
            return None
        if not self._lock.acquire(blocking=force):
            return None  # another thread is looking: go on with the open indexes
        try:
            self._next = self.clock() + self.every
            now = IndexStamp.read(self.settings)
            if now == self.stamp:
                return None
            return self._reopen(now, lexical, dense)
        finally:
            self._lock.release()

    def _reopen(self, now: IndexStamp, lexical: LexicalIndex, dense: DenseIndex | None):
        changed = False
        try:
            if now.lexical != self.stamp.lexical:
                fresh = LexicalIndex.open(self.settings)
                fresh.segmenter.jieba  # noqa: B018 - load jieba here, not in a later search
                lexical, changed = fresh, True
                self.stamp = replace(self.stamp, lexical=now.lexical)
                log.info("search: reopened the lexical index (%d documents)", lexical.count())
            if now.dense != self.stamp.dense and now.dense is not None:
                encoder = (
                    dense.encoder
                    if dense is not None
                    else make_encoder(self.settings.dense_encoder)
                )
                dense, changed = DenseIndex.open(self.settings, encoder), True
                self.stamp = replace(self.stamp, dense=now.dense)
                log.info("search: reopened the dense index (%d vectors)", dense.count())
        except (IpnavError, OSError, ValueError) as exc:  # ValueError: Tantivy's
            if now != self._failed:
                log.warning("search: the changed indexes cannot be opened yet (%s)", exc)
                self._failed = now
        return (lexical, dense) if changed else None


__all__ = ["IndexStamp", "IndexWatch"]
