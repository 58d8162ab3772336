"""Pages of patent search: the home page with its search box, and the results page.

The results page lists a query's results in the order asked (relevance or a date,
:mod:`ipnav.search.sort`), with facets, family collapsing, export buttons
(:mod:`ipnav.web.export`) and, for a logged-in user, a form that saves the search
(:mod:`ipnav.web.saved`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ipnav.search.query.parser import QuerySyntaxError
from ipnav.search.sort import SortOrder
from ipnav.web.deps import PagesDep, Public, Search, Store
from ipnav.web.export import row_limit
from ipnav.web.params import (
    MAX_OFFSET,
    PAGE_FACETS,
    PAGE_SIZE,
    SearchArgs,
    check_query,
    search_args,
)
from ipnav.web.scope import scoped_filters
from ipnav.web.views import result_view

#: The results page's export buttons: (format, label).
EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("ris", "RIS"), ("jsonl", "JSONL"))

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, pages: PagesDep, store: Store, user: Public) -> HTMLResponse:
    return pages.render(request, "home.html", {"count": store.count()})


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    pages: PagesDep,
    service: Search,
    user: Public,
    args: Annotated[SearchArgs, Depends(search_args)],
    q: str = "",
    page: Annotated[int, Query(ge=1, le=MAX_OFFSET // PAGE_SIZE)] = 1,
) -> HTMLResponse:
    list_query = urlencode([("q", q), *args.query_items()])
    context: dict = {
        "q": q,
        "page": page,
        "mode": args.mode.value,
        "sort": args.sort.value,
        "sorts": [order.value for order in SortOrder],
        "collapse": args.collapse,
        "country": args.country,
        "applicant_type": args.applicant_type,
        "hidden_filters": [
            (name, value)
            for name in ("country", "applicant_type", "legal_status", "ipc")
            for value in getattr(args, name)
        ]
        + ([("collection", args.collection)] if args.collection else []),
        "collection": args.collection,
        "date_from": args.date_from or "",
        "until": args.until or "",
        "page_size": PAGE_SIZE,
        "list_query": list_query,
        "list_params": urlencode(args.query_items()),
        "export_formats": EXPORT_FORMATS,
        "export_limit": row_limit(request.app.state.settings, user),
    }
    if not q.strip():
        return pages.render(request, "search.html", {**context, "result": None})
    check_query(q)
    try:
        result = service.search(
            q,
            k=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            filters=scoped_filters(request, user, args.collection, args.filters),
            mode=args.mode,
            facets=PAGE_FACETS,
            collapse_family=args.collapse,
            sort=args.sort,
        )
    except QuerySyntaxError as exc:
        error = {"message": exc.reason, "position": exc.position, "query": q}
        return pages.render(request, "search.html", {**context, "query_error": error}, 400)
    items = [result_view(item, request.state.lang) for item in result.items]
    total = result.total
    pages_count = None if total is None else max(1, -(-total // PAGE_SIZE))
    return pages.render(
        request,
        "search.html",
        {
            **context,
            "result": result,
            "items": items,
            "total": total,
            "plain": result.plain,
            "pages_count": pages_count,
            "has_next": len(items) == PAGE_SIZE and (pages_count is None or page < pages_count),
            "facets": result.facets,
        },
    )
