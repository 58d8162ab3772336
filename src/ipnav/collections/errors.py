"""Errors of the collections core; the web and the CLI map them to statuses and exit codes."""

from __future__ import annotations

from ipnav.errors import IpnavError


class CollectionError(IpnavError):
    """A collection (or a part of it: query, breakdown, include) that cannot be used as given."""


class CollectionNotFound(CollectionError):
    """No collection of this name that the asking user may see.

    A collection the user may not see is answered with exactly the same message as
    one that does not exist, so that its existence is never revealed.
    """


class CollectionExists(CollectionError):
    """The owner organisation has a collection of this name already."""


class AmbiguousCollection(CollectionError):
    """Several visible collections of other organisations have this name."""


class CollectionNotAllowed(CollectionError):
    """The user sees the collection but may not change it (or may not create one)."""


class UnknownPatent(CollectionError):
    """An id to include or exclude that the store does not hold."""


class BreakdownError(CollectionError):
    """A technology breakdown that cannot be read (the message names the line)."""


class SnapshotNotFound(CollectionError):
    """The collection has no snapshot of this version (or none yet)."""


class SearchUnavailable(CollectionError):
    """A refresh needs the search index, and it is not there."""
