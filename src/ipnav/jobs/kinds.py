"""The registry of job kinds: a later kind (reports …) is one more line in :data:`KINDS`."""

from __future__ import annotations

from ipnav.jobs.base import JobKind
from ipnav.jobs.collection_refresh import COLLECTION_REFRESH
from ipnav.jobs.errors import UnknownJobKind
from ipnav.jobs.export import EXPORT
from ipnav.jobs.index import INDEX

KINDS: dict[str, JobKind] = {
    "index": INDEX,
    "export": EXPORT,
    "collection-refresh": COLLECTION_REFRESH,
}
"""Job kinds by name; ``JobService.submit(kind=...)`` takes one of these keys."""


def get_kind(name: str) -> JobKind:
    """The kind called ``name``; the error lists the known ones."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise UnknownJobKind(
            f"unknown job kind {str(name)[:40]!r}; known kinds: {', '.join(sorted(KINDS))}"
        )
    return kind
