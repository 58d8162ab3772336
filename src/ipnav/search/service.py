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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ipnav.errors import IpnavError
from ipnav.model.record import PatentRecord
from ipnav.search.base import Filters, Hit, SearchQuery
from ipnav.search.dense import DenseIndex, dense_index_path
from ipnav.search.encoders import make_encoder
from ipnav.search.fusion import FusionMethod, fuse
from ipnav.search.lexical import LexicalIndex
from ipnav.search.query.ast import And, Node, Or, Phrase, Term, TextField, free_text
from ipnav.search.query.parser import parse_query
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore

MIN_DEPTH = 100  # candidates each retriever contributes to a fused ranking


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


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    mode: SearchMode
    items: list[ResultItem]
    total: int | None = None
    plain: bool = True
    weights: Mapping[str, float] = field(default_factory=dict)


def is_plain(node: Node) -> bool:
    """Words and phrases in no field, joined only by (implicit) AND: a search-box query."""
    if isinstance(node, Term | Phrase):
        return node.field is TextField.ALL
    if isinstance(node, And):
        return all(is_plain(child) for child in node.children)
    return False


def any_word(node: Node) -> Node:
    """The OR of a plain query's words: BM25 ranks documents with more of them higher."""
    return Or(node.children) if isinstance(node, And) else node


class SearchService:
    """Opens the store and the indexes once and answers searches."""

    def __init__(
        self,
        store: PatentStore,
        lexical: LexicalIndex,
        dense: DenseIndex | None = None,
        *,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        self.store = store
        self.lexical = lexical
        self.dense = dense
        self.weights = dict(weights or {"lexical": 1.0, "dense": 1.0})

    @classmethod
    def open(cls, settings: Settings, store: PatentStore) -> SearchService:
        lexical = LexicalIndex.open(settings)
        dense = None
        if (dense_index_path(settings) / "meta.json").exists():
            dense = DenseIndex.open(settings, make_encoder(settings.dense_encoder))
        return cls(store, lexical, dense)

    def close(self) -> None:
        self.lexical.close()

    def search(
        self,
        text: str,
        *,
        k: int = 10,
        offset: int = 0,
        filters: Filters | None = None,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> SearchResult:
        """Ranked results ``offset .. offset + k`` of the query ``text``."""
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
        depth = max(MIN_DEPTH, offset + k)
        lexical_query = replace(query, node=any_word(node)) if plain else query
        if mode is SearchMode.LEXICAL:
            hits = self.lexical.search(query, k, offset=offset)
            total = self.lexical.total(query)
        elif mode is SearchMode.DENSE:
            hits = self._dense(query, depth, plain)[offset : offset + k]
            total = None
        else:
            fused = fuse(
                {
                    "lexical": self.lexical.search(lexical_query, depth),
                    "dense": self._dense(query, depth, plain),
                },
                method=FusionMethod.RRF,
                weights=self.weights,
            )
            hits = fused[offset : offset + k]
            total = self.lexical.total(lexical_query if plain else query)
        return SearchResult(
            query=query,
            mode=mode,
            items=self._items(hits),
            total=total,
            plain=plain,
            weights=self.weights,
        )

    def _dense(self, query: SearchQuery, depth: int, plain: bool) -> list[Hit]:
        assert self.dense is not None
        if not query.text.strip():
            return []
        allowed = None
        structural = not plain or not query.filters.empty
        if structural:
            # only documents that satisfy the Boolean query and the filters may rank
            boolean = query if not plain else SearchQuery(filters=query.filters)
            allowed = set(self.lexical.doc_ids(boolean))
        return self.dense.search(query, depth, allowed=allowed)

    def _items(self, hits: list[Hit]) -> list[ResultItem]:
        items = []
        for hit in hits:
            record = self.store.get(hit.id)
            if record is not None:  # an index a little behind the store: skip, never crash
                items.append(ResultItem(record=record, hit=hit))
        return items

    def export_ids(self, text: str, filters: Filters | None = None) -> list[str]:
        """Every id the query matches (Boolean meaning), best first, for exports."""
        node = parse_query(text)
        query = SearchQuery(node=node, text=free_text(node), filters=filters or Filters())
        return self.lexical.doc_ids(query)
