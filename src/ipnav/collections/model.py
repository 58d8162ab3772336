"""What a collection is made of, as the core hands it out: plain frozen dataclasses.

A collection's *definition* (queries, manual includes and excludes, breakdown) can
change at any time; what a report or an analysis uses is a **snapshot**: the member
list the definition gave when it was refreshed, numbered 1, 2, … per collection, with
its data cut-off date (the latest publication date among its members) and the
queries as they were run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ipnav.collections.breakdown import Breakdown
from ipnav.collections.errors import CollectionError

#: A collection's name: a slug of letters (any script), digits, ``.``, ``_`` and ``-``.
NAME_PATTERN = re.compile(r"[^\W_][\w.-]{0,99}")
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 10_000
MAX_QUERY_CHARS = 2_000
MAX_QUERIES = 50
MAX_MANUAL = 10_000
MAX_NOTE_CHARS = 2_000


class QueryMode(StrEnum):
    """How a collection query selects members.

    ``lexical``: every document that satisfies the query's Boolean meaning (all words
    of a plain query), with no cap — membership must not depend on a ranking's depth.
    The column is there so that other ways (e.g. a semantic neighbourhood) can come.
    """

    lexical = "lexical"


class ManualAction(StrEnum):
    include = "include"
    exclude = "exclude"


def check_name(name: str) -> str:
    text = (name or "").strip()
    if not NAME_PATTERN.fullmatch(text):
        raise CollectionError(
            f"{text[:60]!r} is not a collection name; use up to 100 letters, digits, '.', "
            "'_' or '-' without spaces, e.g. membrane-water or 膜法水处理"
        )
    return text


def parse_ref(ref: str) -> tuple[str | None, str]:
    """``NAME`` -> ``(None, NAME)``; ``ORG:NAME`` -> ``(ORG, NAME)`` (``:NAME``: the platform's)."""
    text = (ref or "").strip()
    org, colon, name = text.rpartition(":")
    if not colon:
        return None, name
    return org.strip(), name.strip()


@dataclass(frozen=True)
class CollectionQuery:
    """One query of a collection; ``filters`` in the stored JSON form of
    :func:`ipnav.jobs.export.filters_to_params` (``countries``, ``date_from`` …)."""

    query: str
    mode: QueryMode = QueryMode.lexical
    filters: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "mode": self.mode.value, "filters": dict(self.filters)}


@dataclass(frozen=True)
class ManualEntry:
    patent_id: str
    action: ManualAction
    note: str | None = None
    added_by: str | None = None
    added_at: dt.datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    """One refresh of a collection: its members are fixed, whatever changes later."""

    id: int
    collection_id: int
    version: int
    created_at: dt.datetime
    created_by: str | None
    cutoff_date: dt.date | None
    ingested_at: dt.datetime | None
    member_count: int
    queries: list[dict[str, Any]]
    manual: dict[str, Any]
    branches: Breakdown
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "cutoff": self.cutoff_date.isoformat() if self.cutoff_date else None,
            "ingested_at": self.ingested_at.isoformat() if self.ingested_at else None,
            "members": self.member_count,
            "queries": self.queries,
            "manual": self.manual,
            "branches": self.branches.to_list(),
            "note": self.note,
        }


@dataclass(frozen=True)
class Member:
    """A member of a snapshot: how it got in (query numbers or ``manual``), its branches."""

    patent_id: str
    via: str
    branch_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Collection:
    """A collection as one principal sees it (``editable``: may that principal change it)."""

    id: int
    name: str
    title: str
    description: str | None
    visibility: str
    owner_org_id: int | None
    owner: str | None  # the owner organisation's name; None: the platform's
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    shared_with: tuple[str, ...] = ()
    queries: tuple[CollectionQuery, ...] = ()
    manual: tuple[ManualEntry, ...] = ()
    breakdown: Breakdown = field(default_factory=Breakdown)
    latest: Snapshot | None = None
    snapshot_count: int = 0
    editable: bool = False

    @property
    def qualified(self) -> str:
        """``ORG:NAME`` (``:NAME`` for the platform's): names it for everyone."""
        return f"{self.owner or ''}:{self.name}"

    @property
    def includes(self) -> tuple[str, ...]:
        return tuple(m.patent_id for m in self.manual if m.action is ManualAction.include)

    @property
    def excludes(self) -> tuple[str, ...]:
        return tuple(m.patent_id for m in self.manual if m.action is ManualAction.exclude)

    def summary(self) -> dict[str, Any]:
        """The JSON of ``ipnav collection list --format json`` (one entry)."""
        latest = None
        if self.latest is not None:
            latest = {
                "version": self.latest.version,
                "members": self.latest.member_count,
                "cutoff": self.latest.cutoff_date.isoformat() if self.latest.cutoff_date else None,
            }
        return {
            "name": self.name,
            "title": self.title,
            "owner": self.owner,
            "visibility": self.visibility,
            "queries": [q.query for q in self.queries],
            "snapshots": self.snapshot_count,
            "latest": latest,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything about the collection (``show --format json``, the API)."""
        return self.summary() | {
            "qualified_name": self.qualified,
            "description": self.description,
            "shared_with": list(self.shared_with),
            "queries": [q.to_dict() for q in self.queries],
            "includes": list(self.includes),
            "excludes": list(self.excludes),
            "breakdown": self.breakdown.to_list(),
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "editable": self.editable,
        }
