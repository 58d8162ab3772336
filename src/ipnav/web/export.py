"""Exporting a result list: ``GET /api/v1/export`` and the results page's ``/search/export``.

Both stream the file (:func:`ipnav.search.export_stream.stream_export`) as it is
written: the ids come from the search in batches
(:meth:`~ipnav.search.service.SearchService.result_ids`, the order the pages show),
each record is read from the store when its row is due, and nothing holds the
whole set. A visitor who is not logged in gets at most
``IPNAV_EXPORT_MAX_ROWS_ANONYMOUS`` records, a logged-in user
``IPNAV_EXPORT_MAX_ROWS``; the header ``X-Ipnav-Row-Limit`` says which applied.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from ipnav.accounts import User
from ipnav.model.record import PatentRecord
from ipnav.search.export import ExportError
from ipnav.search.export_stream import exporter, fetch_records, stream_export
from ipnav.search.service import SearchService, one_per_family
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore
from ipnav.web.deps import LoginRequired, Public, Search, Store
from ipnav.web.errors import WebError
from ipnav.web.params import MAX_QUERY_CHARS, SearchArgs, check_query, search_args
from ipnav.web.scope import scoped_filters

router = APIRouter(tags=["pages"], include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["search"])

Args = Annotated[SearchArgs, Depends(search_args)]
FORMATS = "csv, xlsx, ris or jsonl"
#: Candidates read per family wanted when an export collapses families.
COLLAPSE_READ = 3


def row_limit(settings: Settings, user: User) -> int:
    """Most records one export gives ``user`` (see the module docstring)."""
    if user.anonymous:
        return settings.export_max_rows_anonymous
    return settings.export_max_rows


def export_response(
    request: Request,
    service: SearchService,
    store: PatentStore,
    user: User,
    q: str,
    format: str,
    args: SearchArgs,
) -> StreamingResponse:
    """The streamed export of the result list of ``q`` shaped by ``args``."""
    check_query(q)
    if not q.strip():
        raise WebError("give a query to export its results (q=...)", code="query_missing")
    try:
        chosen = exporter(format)
    except ExportError as exc:
        raise WebError(str(exc), code="unknown_format") from None
    limit = row_limit(request.app.state.settings, user)
    if limit <= 0:
        raise LoginRequired("please log in to export results")
    ids = service.result_ids(
        q,
        limit=limit * COLLAPSE_READ if args.collapse else limit,
        filters=scoped_filters(request, user, args.collection, args.filters),
        mode=args.mode,
        sort=args.sort,
    )
    records: Iterator[PatentRecord] = fetch_records(store, ids)
    if args.collapse:
        records = one_per_family(records)
    meta: dict[str, Any] = {"query": q, **{k: str(v) for k, v in args.to_params().items()}}
    body = stream_export(
        itertools.islice(records, limit), chosen.name, lang=request.state.lang, meta=meta
    )
    name = f"ipnav-{dt.date.today():%Y%m%d}{chosen.suffix}"
    headers = {
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
        "X-Ipnav-Row-Limit": str(limit),
        "Cache-Control": "no-store",
    }
    return StreamingResponse(body, media_type=chosen.media_type, headers=headers)


@api_router.get(
    "/export",
    responses={
        200: {"description": "The file, streamed", "content": {"text/csv": {}}},
        400: {"description": "Bad query or format (codes `query_syntax`, `unknown_format`)"},
        422: {"description": "Invalid parameters (code `validation_error`)"},
    },
)
def api_export(
    request: Request,
    service: Search,
    store: Store,
    user: Public,
    args: Args,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="Words or expert query")],
    format: Annotated[str, Query(max_length=10, description=FORMATS)] = "csv",
) -> StreamingResponse:
    """Every result of a query as CSV, XLSX, RIS or JSON Lines, streamed.

    Takes the filters, `mode`, `sort` and `collapse_family` of `/api/v1/search`;
    rows come in the order the search lists them. Without a token at most
    `IPNAV_EXPORT_MAX_ROWS_ANONYMOUS` rows (default 1,000), with one at most
    `IPNAV_EXPORT_MAX_ROWS` (default 100,000); the header `X-Ipnav-Row-Limit` says
    which.
    """
    return export_response(request, service, store, user, q, format, args)


@router.get("/search/export")
def page_export(
    request: Request,
    service: Search,
    store: Store,
    user: Public,
    args: Args,
    q: str = "",
    format: Annotated[str, Query(max_length=10)] = "csv",
) -> StreamingResponse:
    """The results page's export buttons: the same list, as a file."""
    return export_response(request, service, store, user, q, format, args)
