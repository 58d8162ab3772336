"""Searching the way users ask: one entry point over the store and both indexes.

:class:`SearchService` parses the query (:func:`~ipnav.search.query.parser.parse_query`)
and runs it in one of three modes:

* ``lexical`` — BM25 over the Tantivy index, with the query's Boolean meaning;
* ``dense`` — nearest neighbours of the query's free text in the embedding space;
* ``hybrid`` (default) — both, fused by reciprocal rank fusion
  (:mod:`ipnav.search.fusion`).

What hybrid means depends on the query. A *plain* query (words and phrases
only, as typed into a search box or pasted from a disclosure) is ranked by
BM25 over any of its words (OR) fused with the dense ranking over the whole
corpus, so a document can be found by meaning alone. An *expert* query
(field codes, Boolean operators, dates, classes) keeps its Boolean meaning:
only documents that satisfy it are returned, and the dense ranking only
re-orders them. Filters restrict every mode.

On top of the ranking a search can ask for

* **facets** — counts of field values (country, applicant, IPC subclass, year ...)
  over the *whole* result set, not just the page (Tantivy's terms aggregation);
* **family collapsing** — one hit per patent family (its best-ranked member;
  records without family data are their own family, keyed by country + number so
  that A1 and B2 of one number collapse too);
* **highlights** — matched query words marked in title, abstract and claims.

Paging has no cap: page ``n`` fetches ``offset + k`` candidates per retriever.
Results can also be listed by publication or filing date (:mod:`ipnav.search.sort`),
sorted by Tantivy over the matches; :meth:`SearchService.result_ids` gives the
whole list in page order, in batches, for exports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ipnav.errors import IpnavError
from ipnav.model.numbers import NumberError, match_key
from ipnav.model.record import PatentRecord
from ipnav.search.base import Filters, Hit, SearchQuery
from ipnav.search.dense import DenseIndex, dense_index_path
from ipnav.search.encoders import make_encoder
from ipnav.search.explain import Highlight, is_content, match_terms, query_terms, words
from ipnav.search.freshness import IndexStamp, IndexWatch
from ipnav.search.fusion import FusionMethod, fuse
from ipnav.search.lexical import LexicalIndex
from ipnav.search.query.ast import And, Node, Or, Phrase, Term, TextField, free_text
from ipnav.search.query.parser import parse_query
from ipnav.search.sort import SortOrder
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore, match_key_of
from ipnav.text.segment import Segmenter

MIN_DEPTH = 100  # candidates each retriever contributes to a fused ranking
RERANK_DEPTH = 1000  # best BM25 matches of an expert query the dense ranking re-orders
MAX_ANY_WORDS = 32  # rarest content words of a plain query OR-ed for BM25


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    LEXICAL = "lexical"
    DENSE = "dense"


class DenseIndexUnavailable(IpnavError):
    """Dense or hybrid search was asked for, but no dense index was built."""


@dataclass(frozen=True)
class ResultItem:
    record: PatentRecord
    hit: Hit
    matched_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    highlights: Mapping[str, Highlight] = field(default_factory=dict)
    family_hits: int = 1  # members of this hit's family in the ranking (when collapsed)


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    mode: SearchMode
    items: list[ResultItem]
    total: int | None = None
    plain: bool = True
    weights: Mapping[str, float] = field(default_factory=dict)
    facets: Mapping[str, list[tuple[str | int, int]]] = field(default_factory=dict)
    collapsed: bool = False
    sort: SortOrder = SortOrder.RELEVANCE


@dataclass(frozen=True)
class _Plan:
    """A parsed search: what BM25 ranks (``lexical_query``: any word of a plain query)
    and what "N matching" counts (``counted``: every match of an expert query; for a
    plain query the documents holding all its words, since counting any-word matches
    costs a scan of most of a large corpus and says little)."""

    query: SearchQuery
    lexical_query: SearchQuery
    plain: bool
    mode: SearchMode

    @property
    def counted(self) -> SearchQuery:
        return self.query


def family_key(record: PatentRecord) -> str:
    """What family collapsing groups by.

    The source's family id where it gives one; else the smallest country +
    number among the record and the family members it lists, so that members
    listing each other (as PatSnap and DOCDB families do) share a key, and A1
    and B2 of one number always do.
    """
    if record.family_id:
        return f"family:{record.family_id}"
    keys = {match_key_of(record)}
    for member in record.family:
        try:
            keys.add(match_key(member))
        except NumberError:
            continue
    return f"number:{min(keys)}"


def one_per_family(records: Iterable[PatentRecord]) -> Iterator[PatentRecord]:
    """The first record of each family (:func:`family_key`), in the order given.

    Streams: only the keys seen are kept, so an export can collapse families
    without holding its records.
    """
    seen: set[str] = set()
    for record in records:
        key = family_key(record)
        if key not in seen:
            seen.add(key)
            yield record


def is_plain(node: Node) -> bool:
    """Words and phrases in no field, joined only by (implicit) AND: a search-box query."""
    if isinstance(node, Term | Phrase):
        return node.field is TextField.ALL
    if isinstance(node, And):
        return all(is_plain(child) for child in node.children)
    return False


def any_word(
    node: Node,
    segmenter: Segmenter,
    idf: Callable[[str], float] | None = None,
    limit: int = MAX_ANY_WORDS,
) -> Node:
    """The OR of a plain query's content words: BM25 ranks documents with more of them higher.

    Function words (*the*, *of*, 的 ...) are dropped — they match nearly every
    document, which costs time and ranks nothing; a Chinese run without spaces
    is cut into its words, so that a pasted sentence is not one all-or-nothing
    term; phrases are kept whole. Past ``limit`` words the rarest are kept.
    """
    children = node.children if isinstance(node, And) else (node,)
    leaves: dict[Node, str] = {}  # leaf -> key its rarity is judged by
    for child in children:
        if isinstance(child, Term):
            for key, surface in words(child.text, segmenter, query=True):
                if is_content(key):
                    leaves.setdefault(Term(surface, child.field), key)
        else:
            leaves.setdefault(child, "")
    if not leaves:  # only function words: search them as typed
        return Or(children) if len(children) > 1 else children[0]
    chosen = list(leaves)
    if len(chosen) > limit and idf is not None:
        rare = sorted(chosen, key=lambda leaf: -idf(leaves[leaf]) if leaves[leaf] else -1e9)
        keep = set(rare[:limit])
        chosen = [leaf for leaf in chosen if leaf in keep]
    return Or(tuple(chosen)) if len(chosen) > 1 else chosen[0]


class SearchService:
    """Opens the store and the indexes once and answers searches."""

    def __init__(
        self,
        store: PatentStore,
        lexical: LexicalIndex,
        dense: DenseIndex | None = None,
        *,
        weights: Mapping[str, float] | None = None,
        watch: IndexWatch | None = None,
    ) -> None:
        self.store = store
        self.lexical = lexical
        self.dense = dense
        self.weights = dict(weights or {"lexical": 1.0, "dense": 1.0})
        self.watch = watch  # reopens the indexes when they change on disk (see refresh)

    @classmethod
    def open(cls, settings: Settings, store: PatentStore) -> SearchService:
        """The service over the indexes of ``settings.home``, ready for concurrent searches.

        One service is shared by every thread of the web app's pool. Searching is
        safe from many threads at once: a search keeps its state in locals; Tantivy
        searchers, rjieba cuts and usearch lookups may run concurrently (usearch
        holds the GIL while it searches); the ``functools`` caches lock themselves;
        the use-m3 encoder serialises its forward passes (:class:`UseEncoder`).
        What stays lazy and unlocked is the segmenter's jieba, so it is loaded
        here, once, before any thread asks for it (and not on the first request).
        Writing (``add``, ``delete``, ``build``) is the indexer's, never concurrent
        with searches of the same object. When another process (``ipnav index``, an
        index job) changes the indexes on disk, the service reopens them
        (:meth:`refresh`, :mod:`ipnav.search.freshness`).
        """
        stamp = IndexStamp.read(settings)  # before opening: a write meanwhile is noticed
        lexical = LexicalIndex.open(settings)
        lexical.segmenter.jieba  # noqa: B018 - load jieba and the user dictionary now
        dense = None
        if (dense_index_path(settings) / "meta.json").exists():
            dense = DenseIndex.open(settings, make_encoder(settings.dense_encoder))
        watch = IndexWatch(settings, stamp, settings.search_reload_seconds)
        return cls(store, lexical, dense, watch=watch)

    def refresh(self, *, force: bool = False) -> bool:
        """Reopen the indexes whose files changed since they were opened; True if any was.

        Called before each search: it looks at the files at most every
        ``IPNAV_SEARCH_RELOAD_SECONDS`` (``force``: now). The index objects are
        swapped, never changed in place, so a search that is running is not disturbed
        (a step it takes after the swap reads the new index).
        """
        if self.watch is None:
            return False
        fresh = self.watch.check(self.lexical, self.dense, force=force)
        if fresh is None:
            return False
        self.lexical, self.dense = fresh
        return True

    def close(self) -> None:
        self.lexical.close()

    def _plan(self, text: str, filters: Filters | None, mode: SearchMode) -> _Plan:
        """Parse ``text`` and settle what each part of a search runs (see :class:`_Plan`)."""
        self.refresh()
        node = parse_query(text)
        query = SearchQuery(node=node, text=free_text(node), filters=filters or Filters())
        plain = is_plain(node)
        if mode is not SearchMode.LEXICAL and self.dense is None:
            if mode is SearchMode.DENSE:
                raise DenseIndexUnavailable(
                    "no dense index yet; build it with `ipnav index` "
                    "(or search with --mode lexical)"
                )
            mode = SearchMode.LEXICAL
        lexical_query = query
        if plain:
            ored = any_word(node, self.lexical.segmenter, self.lexical.idf)
            lexical_query = replace(query, node=ored)
        return _Plan(query=query, lexical_query=lexical_query, plain=plain, mode=mode)

    def _ranking(self, plan: _Plan, n: int, known: dict[str, int | None]) -> list[Hit]:
        """The best ``n`` hits by relevance from rank 1 (the match count into ``known``)."""
        query, mode, plain = plan.query, plan.mode, plan.plain
        depth = max(MIN_DEPTH, n)
        if mode is SearchMode.LEXICAL:
            hits, known["total"] = self.lexical.search_counted(query, n)
            return hits
        if mode is SearchMode.DENSE:
            return self._dense(query, depth, plain)[:n]
        if plain:
            lexical_hits = self.lexical.search(plan.lexical_query, depth)
            dense_hits = self._dense(query, depth, plain)
        else:
            # one pass: the best matches (the lexical list and what the cosine
            # re-ranks) and their count
            pool, known["total"] = self.lexical.search_counted(query, max(RERANK_DEPTH, depth))
            lexical_hits = pool[:depth]
            dense_hits = self._rerank(query, pool, depth)
        fused = fuse(
            {"lexical": lexical_hits, "dense": dense_hits},
            method=FusionMethod.RRF,
            weights=self.weights,
        )
        return list(fused[:n])

    def _by_date(
        self, plan: _Plan, sort: SortOrder, n: int, offset: int, known: dict[str, int | None]
    ) -> list[Hit]:
        """Matches ``offset .. offset + n`` in a date order (:mod:`ipnav.search.sort`)."""
        assert sort.field is not None
        hits, known["total"] = self.lexical.search_sorted(
            plan.counted, n, offset, field=sort.field, descending=sort.descending
        )
        return hits

    def search(
        self,
        text: str,
        *,
        k: int = 10,
        offset: int = 0,
        filters: Filters | None = None,
        mode: SearchMode = SearchMode.HYBRID,
        facets: tuple[str, ...] = (),
        facet_limit: int = 10,
        collapse_family: bool = False,
        highlight: bool = True,
        sort: SortOrder = SortOrder.RELEVANCE,
    ) -> SearchResult:
        """Ranked results ``offset .. offset + k`` of the query ``text``.

        ``facets`` names fields of :data:`~ipnav.search.lexical_schema.FACET_FIELDS`
        to count over the whole result set; ``collapse_family`` keeps one hit per
        family (``offset`` and ``k`` then count families); ``sort`` by a date lists
        the counted matches in that order, in any mode (:mod:`ipnav.search.sort`).
        """
        plan = self._plan(text, filters, mode)
        query, mode = plan.query, plan.mode
        known: dict[str, int | None] = {}  # the match count, where a search counted it

        def ranking(n: int) -> list[Hit]:
            """The best ``n`` hits from rank 1, in the asked order."""
            if sort is not SortOrder.RELEVANCE:
                return self._by_date(plan, sort, n, 0, known)
            return self._ranking(plan, n, known)

        if collapse_family:
            pairs = self._collapsed(ranking, offset, k)
        elif sort is not SortOrder.RELEVANCE:  # Tantivy pages itself
            pairs = self._records(self._by_date(plan, sort, k, offset, known))
        elif mode is SearchMode.LEXICAL:  # Tantivy pages itself
            hits, known["total"] = self.lexical.search_counted(query, k, offset)
            pairs = self._records(hits)
        else:
            pairs = self._records(ranking(offset + k)[offset:])
        terms = None
        if highlight and query.text.strip():
            terms = query_terms(query.text, self.lexical.segmenter)
        items = [self._item(record, hit, query.text, terms, n) for record, hit, n in pairs]
        total = None
        if mode is not SearchMode.DENSE or sort is not SortOrder.RELEVANCE:
            total = known.get("total")
            if total is None:
                total = self.lexical.total(plan.counted)
        counts = self.lexical.facet_counts(plan.counted, facets, facet_limit) if facets else {}
        return SearchResult(
            query=query,
            mode=mode,
            items=items,
            total=total,
            plain=plan.plain,
            weights=self.weights,
            facets=counts,
            collapsed=collapse_family,
            sort=sort,
        )

    def result_ids(
        self,
        text: str,
        *,
        limit: int,
        filters: Filters | None = None,
        mode: SearchMode = SearchMode.HYBRID,
        sort: SortOrder = SortOrder.RELEVANCE,
        batch: int = 1000,
    ) -> Iterator[str]:
        """Ids of the result list in the order its pages show it, at most ``limit``: exports.

        Lexical and date orders are read from Tantivy ``batch`` ids at a time, so a
        long export never holds every id. A hybrid or dense ranking is fused once, as
        deep as the pages reach: the match count (``limit`` at most; ``limit`` in dense
        mode, which counts nothing). Family collapsing is the caller's
        (:func:`one_per_family` over the records).
        """
        plan = self._plan(text, filters, mode)  # now: a bad query fails before any id
        return self._result_ids(plan, sort, limit, batch)

    def _result_ids(self, plan: _Plan, sort: SortOrder, limit: int, batch: int) -> Iterator[str]:
        known: dict[str, int | None] = {}
        if sort is SortOrder.RELEVANCE and plan.mode is not SearchMode.LEXICAL:
            depth = limit
            if plan.mode is not SearchMode.DENSE:
                depth = min(limit, self.lexical.total(plan.counted))
            if depth > 0:
                yield from (hit.id for hit in self._ranking(plan, depth, known))
            return
        done = 0
        while done < limit:
            size = min(batch, limit - done)
            if sort is SortOrder.RELEVANCE:
                hits, _ = self.lexical.search_counted(plan.query, size, done, count=False)
            else:
                hits = self._by_date(plan, sort, size, done, known)
            yield from (hit.id for hit in hits)
            done += len(hits)
            if len(hits) < size:
                return

    def _records(self, hits: list[Hit]) -> list[tuple[PatentRecord, Hit, int]]:
        # one read for the page; an index a little behind the store: skip, never crash
        found = {record.id: record for record in self.store.get_many([hit.id for hit in hits])}
        return [(found[hit.id], hit, 1) for hit in hits if hit.id in found]

    def _collapsed(self, ranking, offset: int, k: int) -> list[tuple[PatentRecord, Hit, int]]:
        """Families ``offset .. offset + k`` of the ranking, each by its best member.

        Fetches three candidates per wanted family and doubles until enough
        families are found or the ranking runs out; ``n`` counts each family's
        members among the candidates read.
        """
        want = offset + k
        n = max(3 * want, MIN_DEPTH)
        while True:
            hits = ranking(n)
            best: dict[str, tuple[PatentRecord, Hit]] = {}
            members: dict[str, int] = {}
            for record, hit, _ in self._records(hits):
                key = family_key(record)
                members[key] = members.get(key, 0) + 1
                best.setdefault(key, (record, hit))
            if len(best) >= want or len(hits) < n:
                break
            n *= 2
        families = list(best.items())[offset:want]
        return [
            (record, replace(hit, rank=offset + i), members[key])
            for i, (key, (record, hit)) in enumerate(families, start=1)
        ]

    def _item(
        self, record: PatentRecord, hit: Hit, text: str, terms: dict[str, str] | None, n: int
    ) -> ResultItem:
        if terms is None:  # highlighting off, or nothing typed to highlight
            return ResultItem(record=record, hit=hit, family_hits=n)
        matched, highlights = match_terms(
            text, record, segmenter=self.lexical.segmenter, idf=self.lexical.idf, terms=terms
        )
        return ResultItem(
            record=record, hit=hit, matched_terms=matched, highlights=highlights, family_hits=n
        )

    def _rerank(self, query: SearchQuery, pool: list[Hit], depth: int) -> list[Hit]:
        """The dense ranking of an expert query: its best BM25 matches by cosine."""
        assert self.dense is not None
        if not query.text.strip() or not pool:
            return []
        vector = self.dense.encode_query(query.text)
        return self.dense.search_vector(vector, depth, allowed={hit.id for hit in pool})

    def _dense(self, query: SearchQuery, depth: int, plain: bool) -> list[Hit]:
        """The dense ranking, restricted to what the query and its filters allow.

        * plain query, no filters: nearest neighbours over the whole corpus;
        * expert query: the cosine re-ranks its best ``RERANK_DEPTH`` BM25
          matches exactly (never a list of every match: a broad expert query
          matches most of a corpus);
        * plain query with filters: nearest neighbours fetched in growing
          rounds, each round's candidates checked against the filters with one
          Tantivy query (:meth:`LexicalIndex.matching`).
        * plain query inside a set of ids (``Filters.only_ids``): the ids that pass
          the filters, ranked by the cosine among themselves.
        """
        assert self.dense is not None
        dense = self.dense
        if not query.text.strip():
            return []
        vector = dense.encode_query(query.text)
        exclude = query.filters.exclude_ids
        if not plain:
            candidates = self.lexical.doc_ids(query, limit=max(RERANK_DEPTH, depth))
            return dense.search_vector(vector, depth, allowed=set(candidates))
        if replace(query.filters, exclude_ids=()).empty:
            return dense.search_vector(vector, depth, exclude_ids=exclude)
        only_filters = SearchQuery(filters=query.filters)
        if query.filters.only_ids is not None:  # inside a collection: rank its allowed members
            allowed = self.lexical.matching(only_filters, query.filters.only_ids)
            return dense.search_vector(vector, depth, allowed=allowed, exclude_ids=exclude)
        size = dense.count()
        fetch = min(size, 4 * depth)
        while True:
            near = dense.search_vector(vector, fetch, exclude_ids=exclude)
            allowed = self.lexical.matching(only_filters, [hit.id for hit in near])
            kept = [hit for hit in near if hit.id in allowed][:depth]
            if len(kept) == depth or fetch >= size:
                return [replace(hit, rank=i) for i, hit in enumerate(kept, start=1)]
            fetch = min(size, fetch * 4)

    def export_ids(self, text: str, filters: Filters | None = None) -> list[str]:
        """Every id the query matches (Boolean meaning), best first, for exports."""
        self.refresh()
        node = parse_query(text)
        query = SearchQuery(node=node, text=free_text(node), filters=filters or Filters())
        return self.lexical.doc_ids(query)
