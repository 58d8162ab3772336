"""What a route gets from the app: the opened core objects and the current user.

Routes declare these as FastAPI dependencies, so that authentication (a later
slice) replaces :func:`current_user` in one place and every route already asks
for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ipnav.search.prior_art import PriorArtSearch
from ipnav.search.service import SearchService
from ipnav.store.patents import PatentStore
from ipnav.web.errors import ServiceUnavailable
from ipnav.web.render import Pages


@dataclass(frozen=True)
class User:
    """Who is asking. Only the anonymous public user exists until authentication lands."""

    name: str = "anonymous"
    roles: frozenset[str] = frozenset({"public"})

    @property
    def anonymous(self) -> bool:
        return self.name == "anonymous"


ANONYMOUS = User()


def current_user(request: Request) -> User:
    user = ANONYMOUS
    request.state.user = user
    return user


def store(request: Request) -> PatentStore:
    return request.app.state.store


def search_service(request: Request) -> SearchService:
    service = request.app.state.search
    if service is None:
        raise ServiceUnavailable(
            f"search is not available: {request.app.state.search_error} "
            "(build the indexes with `ipnav index`)",
            code="index_missing",
        )
    return service


def prior_art_search(service: Annotated[SearchService, Depends(search_service)]) -> PriorArtSearch:
    return PriorArtSearch(service)


def pages(request: Request) -> Pages:
    return request.app.state.pages


CurrentUser = Annotated[User, Depends(current_user)]
Store = Annotated[PatentStore, Depends(store)]
Search = Annotated[SearchService, Depends(search_service)]
PriorArt = Annotated[PriorArtSearch, Depends(prior_art_search)]
PagesDep = Annotated[Pages, Depends(pages)]
