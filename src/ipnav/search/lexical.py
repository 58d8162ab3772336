"""The lexical index: BM25 over patent texts with Tantivy, Chinese segmented, English stemmed.

One folder (``IPNAV_HOME/index/lexical``) holds the Tantivy index, the user
dictionary the Chinese segmenter was given (``user_dictionary.txt``) and
``ipnav-lexical.json`` with the schema version. Fields and analyzers are
described in :mod:`ipnav.search.lexical_schema`, query building in
:mod:`ipnav.search.lexical_query`.

* :meth:`LexicalIndex.build` rebuilds from scratch into a sibling folder and
  swaps it in only after the final commit: an interrupted rebuild leaves the
  previous index untouched. It learns the user dictionary from the Chinese
  titles and abstracts of the first ``dictionary_sample`` records (held in
  memory once, then indexed), so the whole build is one pass over the store.
  On several cores the records are written in shards by forked workers and
  their segments joined (:mod:`ipnav.search.lexical_shards`).
* :meth:`LexicalIndex.add` replaces records by id (delete term, then add) and
  :meth:`LexicalIndex.delete` removes them; both commit, and keep the user
  dictionary of the last build.
* Scores are Tantivy's BM25 (k1 = 1.2, b = 0.75, Lucene's idf
  ``ln(1 + (N - n + 0.5) / (n + 0.5))``; Robertson & Zaragoza 2009).
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
from collections.abc import Callable, Iterable, Sequence, Sized
from pathlib import Path

import tantivy

from ipnav.errors import IpnavError
from ipnav.model.record import PatentRecord
from ipnav.search.base import Hit, SearchQuery
from ipnav.search.lexical_query import QueryBuilder
from ipnav.search.lexical_schema import (
    CJK_LANGUAGES,
    DATE_FIELDS,
    FACET_FIELDS,
    SCHEMA_VERSION,
    YEAR_FIELDS,
    build_schema,
    register_analyzers,
    to_document,
)
from ipnav.search.lexical_shards import build_shards, default_workers, frozen_gc, shard_size
from ipnav.settings import Settings
from ipnav.text.segment import (
    Segmenter,
    grow_user_dictionary,
    has_han,
    load_user_dictionary,
    save_user_dictionary,
)

META_FILE = "ipnav-lexical.json"
DICTIONARY_FILE = "user_dictionary.txt"
REBUILD_HINT = "run `ipnav index --rebuild`"

Progress = Callable[[int], None]


class LexicalIndexError(IpnavError):
    """The lexical index cannot be used as it is."""


class LexicalIndexMissing(LexicalIndexError):
    pass


class LexicalIndexOutdated(LexicalIndexError):
    pass


class UnknownFacet(LexicalIndexError, ValueError):
    pass


def index_dir(settings: Settings) -> Path:
    """Where the lexical index of ``settings.home`` lives."""
    return settings.home / "index" / "lexical"


class LexicalIndex:
    """BM25 retriever over a Tantivy index in ``path``; see the module docstring.

    Parameters
    ----------
    path:
        The index folder.
    create:
        Create an empty index when the folder holds none (otherwise
        :class:`LexicalIndexMissing` is raised). An index of another schema
        version always raises :class:`LexicalIndexOutdated`.
    writer_heap, writer_threads:
        Tantivy writer memory budget (bytes) and indexing threads.
    """

    name = "lexical"

    def __init__(
        self,
        path: Path,
        *,
        create: bool = False,
        writer_heap: int = 64_000_000,
        writer_threads: int = 1,
    ) -> None:
        self.path = Path(path)
        self.writer_heap = writer_heap
        self.writer_threads = writer_threads
        if not (self.path / META_FILE).exists():
            if (self.path / "meta.json").exists():
                raise LexicalIndexOutdated(
                    f"the lexical index in {self.path} has no schema version (built by an "
                    f"older ipnav); {REBUILD_HINT}"
                )
            if not create:
                raise LexicalIndexMissing(f"no lexical index in {self.path}; {REBUILD_HINT}")
            if self.path.exists() and any(self.path.iterdir()):
                raise LexicalIndexError(
                    f"{self.path} is not empty and holds no lexical index; choose another folder"
                )
            _create_empty(self.path, [])
        self._open()

    @classmethod
    def open(cls, settings: Settings, *, create: bool = False) -> LexicalIndex:
        """The index in ``IPNAV_HOME/index/lexical``."""
        return cls(index_dir(settings), create=create)

    def _open(self) -> None:
        meta = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise LexicalIndexOutdated(
                f"the lexical index in {self.path} has schema version {version}, this ipnav "
                f"needs version {SCHEMA_VERSION}; {REBUILD_HINT}"
            )
        self._index = tantivy.Index.open(str(self.path))
        register_analyzers(self._index)
        self.schema = self._index.schema
        self.segmenter = Segmenter.from_file(self.path / DICTIONARY_FILE)
        self._queries = QueryBuilder(self.schema, self.segmenter)

    def close(self) -> None:
        """Release the index (files stay on disk); the object is unusable afterwards."""
        self._index = None  # type: ignore[assignment]

    def __enter__(self) -> LexicalIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------

    def build(
        self,
        records: Iterable[PatentRecord],
        progress: Progress | None = None,
        *,
        batch_size: int = 1000,
        dictionary_sample: int = 20_000,
        user_words: Sequence[str] | None = None,
        total: int | None = None,
        workers: int | None = None,
        shard_records: int | None = None,
    ) -> int:
        """Replace the whole index by ``records``; returns the number indexed.

        ``user_words`` fixes the segmenter's dictionary; by default it is grown
        (:func:`~ipnav.text.segment.grow_user_dictionary`) from the Chinese
        titles and abstracts of the first ``dictionary_sample`` records.

        With ``workers`` > 1 (default: one per core) and more records than one
        shard holds, shards of ``shard_records`` records (default: the corpus
        split evenly over the workers, see :func:`~ipnav.search.lexical_shards.shard_size`)
        are written by forked workers (:mod:`ipnav.search.lexical_shards`);
        ``total``, the number of records if known (a sequence's length is
        used), sizes the shards.
        """
        if total is None and isinstance(records, Sized):
            total = len(records)
        with frozen_gc():  # the caller's records are not re-scanned by each collection
            records = iter(records)
            head: list[PatentRecord] = []
            if user_words is None:
                head = list(itertools.islice(records, dictionary_sample))
                user_words = grow_user_dictionary(
                    text
                    for record in head
                    for part in (record.title, record.abstract)
                    for lang, text in part.items()
                    if lang in CJK_LANGUAGES and text
                )
            staging = self.path.with_name(self.path.name + ".building")
            _create_empty(staging, user_words)
            segmenter = Segmenter(user_words)
            stream = itertools.chain(head, records)
            workers = default_workers() if workers is None else workers
            size = shard_records or shard_size(total, workers)
            if workers > 1 and (total is None or total > size):
                done = build_shards(
                    staging,
                    segmenter,
                    stream,
                    workers=workers,
                    size=size,
                    heap=self.writer_heap,
                    progress=progress,
                )
            else:
                index = tantivy.Index.open(str(staging))
                register_analyzers(index)
                done = self._write(index, segmenter, stream, progress, batch_size)
                del index
        retired = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(retired, ignore_errors=True)
        self._index = None  # type: ignore[assignment]
        if self.path.exists():
            self.path.rename(retired)
        staging.rename(self.path)
        shutil.rmtree(retired, ignore_errors=True)
        self._open()
        return done

    def _write(self, index, segmenter, records, progress, batch_size, replace=False) -> int:
        writer = index.writer(heap_size=self.writer_heap, num_threads=self.writer_threads)
        done = 0
        records = iter(records)
        while batch := list(itertools.islice(records, batch_size)):
            for record in batch:
                if replace:
                    writer.delete_documents_by_term("id", record.id)
                writer.add_document(to_document(record, segmenter))
            done += len(batch)
            if progress:
                progress(done)
        writer.commit()
        writer.wait_merging_threads()
        return done

    def add(self, records: Iterable[PatentRecord], progress: Progress | None = None) -> int:
        """Index ``records``, replacing any indexed record with the same id."""
        done = self._write(self._index, self.segmenter, records, progress, 1000, replace=True)
        self._index.reload()
        return done

    def delete(self, ids: Iterable[str]) -> None:
        """Remove the records with these ids (unknown ids are ignored)."""
        writer = self._index.writer(heap_size=self.writer_heap, num_threads=self.writer_threads)
        for patent_id in ids:
            writer.delete_documents_by_term("id", patent_id)
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()

    # -- reading ---------------------------------------------------------------

    def count(self) -> int:
        return self._index.searcher().num_docs

    def idf(self, key: str) -> float:
        """BM25's idf of an index term (an English stem, a Chinese word as cut).

        The document frequency is that of the combined title + abstract + claims
        field of the term's language family; a term no document holds gets the
        highest idf.
        """
        searcher = self._index.searcher()
        family = "zh" if has_han(key) else "en"
        df = searcher.doc_freq(f"text_{family}", key)
        n = searcher.num_docs
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def query(self, query: SearchQuery) -> tantivy.Query:
        """The Tantivy query that :meth:`search` runs (for explain and debugging)."""
        return self._queries.build(query.node, query.filters)

    def search(self, query: SearchQuery, k: int, offset: int = 0) -> list[Hit]:
        """The best ``k`` hits after the first ``offset``, by BM25, best first."""
        if k <= 0:
            return []
        return self.search_counted(query, k, offset, count=False)[0]

    def search_counted(
        self, query: SearchQuery, k: int, offset: int = 0, *, count: bool = True
    ) -> tuple[list[Hit], int | None]:
        """:meth:`search` and the number of matches, counted in the same pass."""
        searcher = self._index.searcher()
        found = searcher.search(self.query(query), limit=max(k, 1), offset=offset, count=count)
        hits = [
            Hit(
                id=searcher.doc(address).get_first("id"),
                score=score,
                rank=offset + i,
                retriever=self.name,
            )
            for i, (score, address) in enumerate(found.hits, start=1)
        ]
        return hits[: max(k, 0)], (found.count if count else None)

    def search_sorted(
        self,
        query: SearchQuery,
        k: int,
        offset: int = 0,
        *,
        field: str,
        descending: bool = True,
        count: bool = True,
    ) -> tuple[list[Hit], int | None]:
        """Matches ``offset .. offset + k`` ordered by the fast field ``field`` (a date).

        Tantivy sorts by the fast field while it collects, so the cost does not grow
        with the number of matches beyond one pass. Documents without a value come
        last in either direction; ties keep index order. A hit's score is 0: the
        order is the date's, not relevance.
        """
        if field not in DATE_FIELDS:
            raise LexicalIndexError(
                f"cannot sort by {field!r}; sortable fields: {', '.join(DATE_FIELDS)}"
            )
        searcher = self._index.searcher()
        found = searcher.search(
            self.query(query),
            limit=max(k, 1),
            offset=offset,
            count=count,
            order_by_field=field,
            order=tantivy.Order.Desc if descending else tantivy.Order.Asc,
        )
        hits = [
            Hit(
                id=searcher.doc(address).get_first("id"),
                score=0.0,
                rank=offset + i,
                retriever=self.name,
            )
            for i, (_value, address) in enumerate(found.hits, start=1)
        ]
        return hits[: max(k, 0)], (found.count if count else None)

    def total(self, query: SearchQuery) -> int:
        """How many documents match ``query``."""
        return self._index.searcher().search(self.query(query), limit=1, count=True).count

    def doc_ids(self, query: SearchQuery, limit: int | None = None) -> list[str]:
        """Ids of every matching record (or the first ``limit``), in score order.

        Score order (ties by index order) so that an export truncated by
        ``limit`` keeps the best. Ids are read from stored fields (~2 µs each).
        """
        searcher = self._index.searcher()
        tantivy_query = self.query(query)
        if limit is None:  # every match: count first, then fetch exactly that many
            limit = searcher.search(tantivy_query, limit=1, count=True).count
        if limit <= 0:
            return []
        found = searcher.search(tantivy_query, limit=limit, count=False)
        return [searcher.doc(address).get_first("id") for _, address in found.hits]

    def matching(self, query: SearchQuery, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` satisfy ``query`` (its tree and filters): one Tantivy query.

        How another retriever's candidates are filtered without listing every
        match of a broad filter (``--country US`` matches most of a corpus).
        """
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return set()
        searcher = self._index.searcher()
        among = tantivy.Query.term_set_query(self.schema, "id", wanted)
        both = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self.query(query)), (tantivy.Occur.Must, among)]
        )
        found = searcher.search(both, limit=len(wanted), count=False)
        return {searcher.doc(address).get_first("id") for _, address in found.hits}

    def facet_counts(
        self, query: SearchQuery, fields: Sequence[str], limit: int = 10
    ) -> dict[str, list[tuple[str | int, int]]]:
        """The ``limit`` most frequent values of each field among all matching records.

        Counted by Tantivy's terms aggregation over the whole result set (each
        record counted once per distinct value). ``segment_size`` is raised to
        10,000 per segment so that counts are exact up to that many distinct
        values in a segment, which holds for the fields here on a ~40k corpus
        except perhaps applicant and inventor names. Ties are ordered by value.
        """
        unknown = [name for name in fields if name not in FACET_FIELDS]
        if unknown:
            raise UnknownFacet(
                f"cannot count facet(s) {', '.join(unknown)}; facets are: {', '.join(FACET_FIELDS)}"
            )
        if not fields:
            return {}
        size = max(limit, 10_000)
        aggs = {
            name: {"terms": {"field": name, "size": size, "segment_size": size}} for name in fields
        }
        result = self._index.searcher().aggregate(self.query(query), aggs)
        out: dict[str, list[tuple[str | int, int]]] = {}
        for name in fields:
            buckets = result.get(name, {}).get("buckets", [])
            pairs = [
                (int(b["key"]) if name in YEAR_FIELDS else b["key"], int(b["doc_count"]))
                for b in buckets
            ]
            pairs.sort(key=lambda pair: (-pair[1], str(pair[0])))
            out[name] = pairs[:limit]
        return out


def _create_empty(path: Path, user_words: Iterable[str]) -> None:
    """A fresh, empty index folder with the current schema, version and dictionary."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    tantivy.Index(build_schema(), path=str(path))
    save_user_dictionary(path / DICTIONARY_FILE, user_words)
    meta = {"schema_version": SCHEMA_VERSION, "user_dictionary": DICTIONARY_FILE}
    (path / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")


__all__ = [
    "LexicalIndex",
    "LexicalIndexError",
    "LexicalIndexMissing",
    "LexicalIndexOutdated",
    "UnknownFacet",
    "index_dir",
    "load_user_dictionary",
]
