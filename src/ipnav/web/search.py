"""Pages of patent search: the home page with its search box, and the results page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ipnav.search.query.parser import QuerySyntaxError
from ipnav.search.service import SearchMode
from ipnav.web.deps import PagesDep, Public, Search, Store
from ipnav.web.params import MAX_OFFSET, PAGE_FACETS, PAGE_SIZE, check_query, filters_from
from ipnav.web.views import result_view

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
    q: str = "",
    page: Annotated[int, Query(ge=1, le=MAX_OFFSET // PAGE_SIZE)] = 1,
    mode: SearchMode = SearchMode.HYBRID,
    country: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    date_from: Annotated[str | None, Query(alias="from")] = None,
    until: str | None = None,
    applicant_type: Annotated[list[str], Query()] = [],  # noqa: B006
    collapse: bool = False,
) -> HTMLResponse:
    context: dict = {
        "q": q,
        "page": page,
        "mode": mode.value,
        "collapse": collapse,
        "country": country,
        "applicant_type": applicant_type,
        "date_from": date_from or "",
        "until": until or "",
        "page_size": PAGE_SIZE,
    }
    if not q.strip():
        return pages.render(request, "search.html", {**context, "result": None})
    check_query(q)
    filters = filters_from(
        country=country, date_from=date_from, until=until, applicant_type=applicant_type
    )
    try:
        result = service.search(
            q,
            k=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            filters=filters,
            mode=mode,
            facets=PAGE_FACETS,
            collapse_family=collapse,
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
            "pages_count": pages_count,
            "has_next": len(items) == PAGE_SIZE and (pages_count is None or page < pages_count),
            "facets": result.facets,
        },
    )
