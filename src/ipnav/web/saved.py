"""Saved searches: the page ``/saved`` (run, rename, delete) and ``/api/v1/saved-searches``.

A thin shell over :class:`ipnav.accounts.saved_searches.SavedSearches`. The results
page's "save this search" form posts the query and the list's arguments (mode,
sort, filters, family collapsing) as its own query string; running a saved search
opens the results page with them again. Only the owner sees, runs, renames or
deletes a search: another user's id is a 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ipnav.accounts.saved_searches import (
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_QUERY_CHARS,
    SavedSearch,
    SavedSearchError,
    SavedSearches,
)
from ipnav.web.deps import Csrf, Member, PagesDep
from ipnav.web.errors import WebError
from ipnav.web.params import LIST_PARAMS, RowId, SearchArgs

router = APIRouter(tags=["pages"], include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["account"])


def saved_searches(request: Request) -> SavedSearches:
    return SavedSearches(request.app.state.store.engine)


Saved = Annotated[SavedSearches, Depends(saved_searches)]


def search_link(item: SavedSearch, path: str = "/search") -> str:
    """The results page (or API search) of a saved search."""
    args = SearchArgs.from_params(item.params)
    return f"{path}?{urlencode([('q', item.query), *args.query_items()])}"


def _args(params: dict[str, Any]) -> SearchArgs:
    """Checked arguments from a form's query string or an API body."""
    try:
        return SearchArgs.from_params(params)
    except WebError as exc:
        raise WebError(str(exc), code="invalid_saved_search") from None


def _from_query_string(text: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, found in parse_qs(text[:4000], keep_blank_values=False).items():
        values[key] = found if key in LIST_PARAMS else found[-1]
    return values


def _create(saved: SavedSearches, user, name: str, query: str, params, note) -> SavedSearch:
    args = _args(params)
    try:
        return saved.create(user, name or query[:80], query, args.to_params(), note=note)
    except SavedSearchError as exc:
        raise WebError(str(exc), code="invalid_saved_search") from None


# -- pages ------------------------------------------------------------------------------


@router.get("/saved", response_class=HTMLResponse)
def saved_page(request: Request, user: Member, pages: PagesDep, saved: Saved) -> HTMLResponse:
    items = saved.for_user(user)
    links = {item.id: search_link(item) for item in items}
    return pages.render(request, "saved.html", {"items": items, "links": links})


@router.post("/saved")
def save_search(
    user: Member,
    _csrf: Csrf,
    saved: Saved,
    q: Annotated[str, Form(max_length=MAX_QUERY_CHARS)] = "",
    name: Annotated[str, Form(max_length=MAX_NAME_CHARS)] = "",
    note: Annotated[str, Form(max_length=MAX_NOTE_CHARS)] = "",
    params: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    item = _create(saved, user, name, q, _from_query_string(params), note)
    return RedirectResponse(f"/saved#saved-{item.id}", status_code=303)


@router.get("/saved/{search_id}/run")
def run_saved(search_id: RowId, user: Member, saved: Saved) -> Response:
    item = saved.mark_run(user, search_id)
    return RedirectResponse(search_link(item), status_code=303)


@router.post("/saved/{search_id}/rename")
def rename_saved(
    search_id: RowId,
    user: Member,
    _csrf: Csrf,
    saved: Saved,
    name: Annotated[str, Form(max_length=MAX_NAME_CHARS)] = "",
    note: Annotated[str | None, Form(max_length=MAX_NOTE_CHARS)] = None,
) -> Response:
    saved.rename(user, search_id, name, note=note)
    return RedirectResponse(f"/saved#saved-{search_id}", status_code=303)


@router.post("/saved/{search_id}/delete")
def delete_saved(search_id: RowId, user: Member, _csrf: Csrf, saved: Saved) -> Response:
    saved.delete(user, search_id)
    return RedirectResponse("/saved", status_code=303)


# -- API --------------------------------------------------------------------------------


class SavedSearchIn(BaseModel):
    """A search to save: the query and the arguments of `/api/v1/search` that shape it."""

    name: str = Field(default="", max_length=MAX_NAME_CHARS)
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="mode, sort, collapse, from, until, country, applicant_type, "
        "legal_status, ipc (lists for the last four)",
    )
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


def _json(item: SavedSearch) -> dict[str, Any]:
    return item.to_dict() | {
        "page": search_link(item),
        "api": search_link(item, "/api/v1/search"),
    }


@api_router.get("/saved-searches")
def api_saved_list(user: Member, saved: Saved) -> dict[str, Any]:
    """Your saved searches, newest first, each with its results-page and API links."""
    return {"items": [_json(item) for item in saved.for_user(user)]}


@api_router.post("/saved-searches", status_code=201)
def api_saved_create(body: SavedSearchIn, user: Member, saved: Saved) -> dict[str, Any]:
    """Save a search (code `invalid_saved_search` when a parameter is wrong)."""
    return _json(_create(saved, user, body.name, body.query, body.params, body.note))


@api_router.delete("/saved-searches/{search_id}", status_code=204)
def api_saved_delete(search_id: RowId, user: Member, saved: Saved) -> Response:
    """Delete one of your saved searches (404 `not_found` for any other id)."""
    saved.delete(user, search_id)
    return Response(status_code=204)
