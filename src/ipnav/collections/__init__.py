"""Thematic databases (专题数据库): named, access-controlled collections with snapshots.

A collection is defined by queries plus manual includes and excludes, owned by an
organisation, private / shared / public, with a technology breakdown (技术分解表);
each refresh stores a numbered snapshot with its data cut-off date. The web app, the
API, the CLI (``ipnav collection``) and the analyses all go through
:class:`~ipnav.collections.service.Collections`. Nothing here imports a web framework
or the CLI.
"""

from ipnav.collections.access import ANONYMOUS, Principal, Visibility
from ipnav.collections.breakdown import Branch, Breakdown, parse_breakdown
from ipnav.collections.errors import (
    AmbiguousCollection,
    BreakdownError,
    CollectionError,
    CollectionExists,
    CollectionNotAllowed,
    CollectionNotFound,
    SearchUnavailable,
    SnapshotNotFound,
    UnknownPatent,
)
from ipnav.collections.model import Collection, CollectionQuery, Member, QueryMode, Snapshot
from ipnav.collections.service import Collections

__all__ = [
    "ANONYMOUS",
    "AmbiguousCollection",
    "Branch",
    "Breakdown",
    "BreakdownError",
    "Collection",
    "CollectionError",
    "CollectionExists",
    "CollectionNotAllowed",
    "CollectionNotFound",
    "CollectionQuery",
    "Collections",
    "Member",
    "Principal",
    "QueryMode",
    "SearchUnavailable",
    "Snapshot",
    "SnapshotNotFound",
    "UnknownPatent",
    "Visibility",
    "parse_breakdown",
]
