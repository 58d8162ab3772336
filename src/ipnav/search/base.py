"""What every retriever takes and returns: one protocol, one result type.

A :class:`Retriever` answers a :class:`SearchQuery` with ranked :class:`Hit`
objects; the lexical index (Tantivy), the dense index (embeddings + ANN) and
the hybrid searcher that fuses them all speak it, so a search cluster
(OpenSearch) can replace the embedded pair behind the same protocol.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from ipnav.search.query.ast import MatchAll, Node


@dataclass(frozen=True)
class Filters:
    """Restrictions applied before ranking; empty tuples / None mean "no restriction".

    Prefixes are compact classification symbols (``G06F9``); applicants are
    normalised names (:func:`ipnav.model.applicants.normalize_name`).
    ``only_ids`` restricts a search to these patent ids (a thematic database's
    members, :mod:`ipnav.collections`); None means no restriction, an empty set
    matches nothing.
    """

    date_field: str = "publication_date"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    countries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    ipc_prefixes: tuple[str, ...] = ()
    cpc_prefixes: tuple[str, ...] = ()
    applicants: tuple[str, ...] = ()
    applicant_types: tuple[str, ...] = ()
    legal_statuses: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    exclude_ids: tuple[str, ...] = ()
    only_ids: frozenset[str] | None = None

    @property
    def empty(self) -> bool:
        return self == Filters(date_field=self.date_field)


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query plus the free text the user typed (for dense retrieval)."""

    node: Node = field(default_factory=MatchAll)
    text: str = ""
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class Hit:
    """One ranked result: the patent id, the retriever's score and 1-based rank."""

    id: str
    score: float
    rank: int
    retriever: str


class Retriever(Protocol):
    """Anything that ranks patents for a query."""

    name: str

    def search(self, query: SearchQuery, k: int) -> list[Hit]:
        """The best ``k`` hits, best first."""
        ...
