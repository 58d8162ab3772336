"""Thematic databases as a search scope: ``collection=NAME`` on any search, export or page.

Kept apart from the collection pages (:mod:`ipnav.web.collections`) so that the search
and export routes can restrict themselves to a collection without importing those pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ipnav.accounts import User
from ipnav.collections import Collections, Principal


def collections_of(request: Request) -> Collections:
    """The app's collections (with its search service, None while the index is missing)."""
    return Collections(request.app.state.store.engine, request.app.state.search)


CollectionsDep = Annotated[Collections, Depends(collections_of)]


def principal_of(request: Request, collections: Collections, user: User) -> Principal:
    """The request's principal (its organisation id looked up once per request)."""
    known = getattr(request.state, "principal", None)
    if known is None:
        known = request.state.principal = collections.principal(user)
    return known


def scoped_filters(request: Request, user: User, collection: str | None, filters: Any) -> Any:
    """``filters`` restricted to the latest snapshot of ``collection`` (None: unchanged).

    What a route that takes ``collection=NAME`` calls: the access check comes first, and a
    collection the user may not see is a 404 exactly like an unknown name.
    """
    if not collection:
        return filters
    collections = collections_of(request)
    return collections.scope(principal_of(request, collections, user), collection, filters)
