"""How a result list is ordered: by relevance (the default) or by a date.

A date order lists the documents that *match* the query — what "N results"
counts: every match of an expert query, the documents holding all the words of
a plain one — newest or oldest first, in every search mode. It is done by the
lexical engine over a fast date field (Tantivy's ``order_by_field``), so a
broad query over a large corpus is never read whole, and paging stays
unlimited. Records without the date come last in either direction; records of
the same day keep index order.
"""

from __future__ import annotations

from enum import StrEnum


class SortOrder(StrEnum):
    """A result order, named as the ``sort`` request parameter writes it."""

    RELEVANCE = "relevance"
    PUBLICATION_NEWEST = "publication-desc"
    PUBLICATION_OLDEST = "publication-asc"
    FILING_NEWEST = "filing-desc"
    FILING_OLDEST = "filing-asc"

    @property
    def field(self) -> str | None:
        """The lexical index's date field this order reads, None for relevance."""
        if self is SortOrder.RELEVANCE:
            return None
        return f"{self.value.split('-')[0]}_date"

    @property
    def descending(self) -> bool:
        return self.value.endswith("-desc")
