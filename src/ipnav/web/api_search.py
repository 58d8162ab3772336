"""REST API of search and prior-art search (``/api/v1``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, model_validator

from ipnav.search.service import SearchMode
from ipnav.search.sort import SortOrder
from ipnav.web.deps import PriorArt, Public, Search
from ipnav.web.errors import WebError
from ipnav.web.params import (
    MAX_COLLECTION_CHARS,
    MAX_DISCLOSURE_CHARS,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
    check_query,
    filters_from,
)
from ipnav.web.scope import scoped_filters

router = APIRouter(prefix="/api/v1", tags=["search"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request, e.g. a malformed query (code `query_syntax`)"},
    404: {"description": "Not found (code `not_found`)"},
    422: {"description": "Invalid parameters (code `validation_error`)"},
}


def result_row(item: Any) -> dict[str, Any]:
    """One hit as JSON: the same fields as ``ipnav search --format json``."""
    record, hit = item.record, item.hit
    row: dict[str, Any] = {
        "rank": hit.rank,
        "id": record.id,
        "score": round(hit.score, 6),
        "title": record.text("title") or "",
        "publication_date": record.publication_date.isoformat()
        if record.publication_date
        else None,
        "filing_date": record.filing_date.isoformat() if record.filing_date else None,
        "country": record.country,
        "applicants": [p.name for p in record.applicants],
        "ipc": record.ipc[:5],
        "retriever": hit.retriever,
    }
    if getattr(item, "matched_terms", None):
        row["matched_terms"] = {f: list(t) for f, t in item.matched_terms.items()}
    if getattr(item, "highlights", None):
        row["highlights"] = {f: h.html for f, h in item.highlights.items()}
    if getattr(item, "family_hits", 1) != 1:
        row["family_hits"] = item.family_hits
    explanation = getattr(item, "explanation", None)
    if explanation is not None:
        row["explanation"] = explanation.to_dict()
    return row


@router.get("/search", responses=ERRORS)
def api_search(
    request: Request,
    service: Search,
    user: Public,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="Words or expert query")],
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    mode: SearchMode = SearchMode.HYBRID,
    country: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    date_from: Annotated[str | None, Query(alias="from")] = None,
    until: str | None = None,
    applicant_type: Annotated[list[str], Query()] = [],  # noqa: B006
    legal_status: Annotated[list[str], Query()] = [],  # noqa: B006
    ipc: Annotated[list[str], Query()] = [],  # noqa: B006
    facet: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006
    collapse_family: bool = False,
    sort: Annotated[
        SortOrder,
        Query(description="relevance (default), publication-desc/-asc, filing-desc/-asc"),
    ] = SortOrder.RELEVANCE,
    collection: Annotated[
        str | None,
        Query(max_length=MAX_COLLECTION_CHARS, description="Search inside this thematic database"),
    ] = None,
) -> dict[str, Any]:
    """Ranked results of a query; `total` counts every match (null in dense mode).

    A date `sort` lists the matches that `total` counts by that date (newest or
    oldest first, records without the date last), in any mode; `score` is then 0.
    """
    check_query(q)
    filters = filters_from(
        country=country,
        date_from=date_from,
        until=until,
        applicant_type=applicant_type,
        legal_status=legal_status,
        ipc=ipc,
    )
    filters = scoped_filters(request, user, collection, filters)
    result = service.search(
        q,
        k=top,
        offset=offset,
        mode=mode,
        filters=filters,
        facets=tuple(dict.fromkeys(facet))[:8],
        collapse_family=collapse_family,
        sort=sort,
    )
    return {
        "query": q,
        "mode": result.mode.value,
        "sort": result.sort.value,
        "total": result.total,
        "offset": offset,
        "items": [result_row(item) for item in result.items],
        "facets": {
            name: [{"value": value, "count": count} for value, count in pairs]
            for name, pairs in result.facets.items()
        },
    }


class PriorArtRequest(BaseModel):
    """A disclosure to search prior art for, or the id of a stored patent (not both)."""

    text: str | None = Field(default=None, max_length=MAX_DISCLOSURE_CHARS)
    id: str | None = Field(default=None, max_length=200)
    top: int = Field(default=10, ge=1, le=50)
    before: dt.date | None = Field(
        default=None, description="Only documents published before this day."
    )

    @model_validator(mode="after")
    def _one_source(self) -> PriorArtRequest:
        if (self.text is None) == (self.id is None):
            raise ValueError("give exactly one of `text` and `id`")
        return self


@router.post("/prior-art", responses=ERRORS)
def api_prior_art(body: PriorArtRequest, searcher: PriorArt, user: Public) -> dict[str, Any]:
    """Prior art for a disclosure or a stored patent, each hit explained."""
    if body.id is not None:
        before = body.before if body.before is not None else "priority"
        query = searcher.for_patent(body.id, before=before)
    else:
        if body.text is None:  # pragma: no cover - the model guarantees one of them
            raise WebError("give `text` or `id`")
        query = searcher.for_text(body.text, before=body.before)
    result = searcher.search(query, body.top)
    return {
        "source_id": query.source_id,
        "before": query.before.isoformat() if query.before else None,
        "mode": result.mode.value,
        "terms": list(result.terms),
        "items": [result_row(item) for item in result.items],
    }
