"""REST API of thematic databases: ``/api/v1/collections``.

The same core and the same rules as the pages (:mod:`ipnav.web.collections`): a
collection the token's user may not see is a 404 ``not_found``, word for word what an
unknown name gets, on every route — reading, members, search inside, facets, export.
Creating and refreshing queue a ``collection-refresh`` job (202, its JSON under
``job``); poll ``/api/v1/jobs/{id}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from ipnav.collections import Collection
from ipnav.collections.model import (
    MAX_DESCRIPTION_CHARS,
    MAX_MANUAL,
    MAX_QUERIES,
    MAX_QUERY_CHARS,
    MAX_TITLE_CHARS,
)
from ipnav.web.api_search import result_row
from ipnav.web.collections import (
    CollectionRef,
    CollectionsDep,
    export_in,
    link,
    principal_of,
    search_of,
    submit_refresh,
)
from ipnav.web.deps import Analyst, Public
from ipnav.web.jobs import Jobs, job_view
from ipnav.web.params import MAX_OFFSET, SearchArgs, check_query, search_args

api_router = APIRouter(prefix="/api/v1", tags=["collections"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad definition (`invalid_collection`, `unknown_patent`, …)"},
    403: {"description": "You see the collection but may not change it (`forbidden`)"},
    404: {"description": "No such collection that you may see (`not_found`)"},
    409: {"description": "Name taken (`conflict`) or ambiguous (`ambiguous_collection`)"},
}


class QueryIn(BaseModel):
    """One query; ``filters`` as the export job takes them (``countries``, ``date_from`` …)."""

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    mode: str = Field(default="lexical", max_length=16)
    filters: dict[str, Any] = Field(default_factory=dict)


Breakdown = str | list[dict[str, Any]]


class CollectionIn(BaseModel):
    """A new collection; ``refresh`` (default true) queues its first snapshot."""

    name: str = Field(min_length=1, max_length=100, examples=["membrane-water"])
    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    queries: list[str | QueryIn] = Field(default_factory=list, max_length=MAX_QUERIES)
    org: str | None = Field(default=None, max_length=200, description="System admins only")
    visibility: str = Field(default="private", max_length=16, examples=["private"])
    shared_with: list[str] = Field(default_factory=list, max_length=100)
    includes: list[str] = Field(default_factory=list, max_length=MAX_MANUAL)
    excludes: list[str] = Field(default_factory=list, max_length=MAX_MANUAL)
    breakdown: Breakdown | None = Field(
        default=None, description="Indented text ('中文名 | English | query' a line) or a list"
    )
    refresh: bool = True


class CollectionPatch(BaseModel):
    """What to change; absent fields stay. ``queries`` and ``breakdown`` replace the old."""

    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    visibility: str | None = Field(default=None, max_length=16)
    shared_with: list[str] | None = Field(default=None, max_length=100)
    queries: list[str | QueryIn] | None = Field(default=None, max_length=MAX_QUERIES)
    breakdown: Breakdown | None = None
    include: list[str] = Field(default_factory=list, max_length=MAX_MANUAL)
    exclude: list[str] = Field(default_factory=list, max_length=MAX_MANUAL)
    forget: list[str] = Field(default_factory=list, max_length=MAX_MANUAL)


class RefreshIn(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


def _queries(items: list[str | QueryIn] | None) -> list[Any] | None:
    if items is None:
        return None
    return [item if isinstance(item, str) else item.model_dump() for item in items]


def _json(item: Collection, ref: str) -> dict[str, Any]:
    data = item.to_dict()
    data["ref"] = ref
    data["links"] = {
        "self": f"/api/v1{link(ref)}",
        "page": link(ref),
        "snapshots": f"/api/v1{link(ref, '/snapshots')}",
        "members": f"/api/v1{link(ref, '/members')}",
    }
    return data


@api_router.get("/collections", responses=ERRORS)
def api_collections(request: Request, user: Public, collections: CollectionsDep) -> dict[str, Any]:
    """The collections you may see (anonymous: the public ones), by title."""
    principal = principal_of(request, collections, user)
    items = collections.list_visible(principal)
    return {
        "items": [
            item.summary()
            | {"ref": ref, "links": {"self": f"/api/v1{link(ref)}", "page": link(ref)}}
            for item in items
            for ref in [collections.ref_for(principal, item, items)]
        ]
    }


@api_router.post("/collections", status_code=201, responses=ERRORS)
def api_create(
    request: Request, body: CollectionIn, user: Analyst, collections: CollectionsDep, jobs: Jobs
) -> dict[str, Any]:
    """Create a collection of your organisation; its first snapshot is queued as a job."""
    principal = principal_of(request, collections, user)
    item = collections.create(
        principal,
        body.name,
        queries=_queries(body.queries) or [],
        title=body.title,
        description=body.description,
        org=body.org,
        visibility=body.visibility,
        shared_with=body.shared_with,
        includes=body.includes,
        excludes=body.excludes,
        breakdown=body.breakdown,
    )
    data = _json(item, item.name)
    data["job"] = job_view(submit_refresh(jobs, user, item)) if body.refresh else None
    return data


@api_router.get("/collections/{collection}", responses=ERRORS)
def api_collection(
    request: Request, collection: CollectionRef, user: Public, collections: CollectionsDep
) -> dict[str, Any]:
    """One collection: definition, breakdown, latest snapshot."""
    principal = principal_of(request, collections, user)
    return _json(collections.get(principal, collection), collection)


@api_router.patch("/collections/{collection}", responses=ERRORS)
def api_edit(
    request: Request,
    collection: CollectionRef,
    body: CollectionPatch,
    user: Analyst,
    collections: CollectionsDep,
) -> dict[str, Any]:
    """Change the definition (the snapshots stay; refresh to make a new one)."""
    principal = principal_of(request, collections, user)
    item = collections.edit(
        principal,
        collection,
        title=body.title,
        description=body.description,
        visibility=body.visibility,
        shared_with=body.shared_with,
        queries=_queries(body.queries),
        breakdown=body.breakdown,
    )
    if body.include:
        item = collections.include(principal, collection, body.include)
    if body.exclude:
        item = collections.exclude(principal, collection, body.exclude)
    if body.forget:
        item = collections.forget(principal, collection, body.forget)
    return _json(item, collection)


@api_router.delete("/collections/{collection}", status_code=204, responses=ERRORS)
def api_delete(
    request: Request, collection: CollectionRef, user: Analyst, collections: CollectionsDep
) -> Response:
    """Delete the collection and all its snapshots."""
    collections.delete(principal_of(request, collections, user), collection)
    return Response(status_code=204)


@api_router.post("/collections/{collection}/refresh", status_code=202, responses=ERRORS)
def api_refresh(
    request: Request,
    collection: CollectionRef,
    user: Analyst,
    collections: CollectionsDep,
    jobs: Jobs,
    body: RefreshIn | None = None,
) -> dict[str, Any]:
    """Queue a new snapshot (job kind `collection-refresh`); poll `/api/v1/jobs/{id}`."""
    item = collections.editable(principal_of(request, collections, user), collection)
    return job_view(submit_refresh(jobs, user, item, body.note if body else None))


@api_router.get("/collections/{collection}/snapshots", responses=ERRORS)
def api_snapshots(
    request: Request, collection: CollectionRef, user: Public, collections: CollectionsDep
) -> dict[str, Any]:
    """Every snapshot, newest first: version, cut-off date, member count, queries as run."""
    principal = principal_of(request, collections, user)
    return {"items": [s.to_dict() for s in collections.snapshots(principal, collection)]}


@api_router.get("/collections/{collection}/members", responses=ERRORS)
def api_members(
    request: Request,
    collection: CollectionRef,
    user: Public,
    collections: CollectionsDep,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    branch: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Branch id")] = None,
) -> dict[str, Any]:
    """Members of a snapshot (the latest by default), newest publication first."""
    principal = principal_of(request, collections, user)
    snapshot, total, page = collections.members(
        principal, collection, version=version, offset=offset, limit=limit, branch=branch
    )
    records = {r.id: r for r in request.app.state.store.get_many([m.patent_id for m in page])}
    items = []
    for member in page:
        record = records.get(member.patent_id)
        row: dict[str, Any] = {
            "id": member.patent_id,
            "via": member.via,
            "branches": list(member.branch_ids),
        }
        if record is not None:
            row |= {
                "title": record.text("title") or "",
                "publication_date": record.publication_date.isoformat()
                if record.publication_date
                else None,
                "country": record.country,
                "applicants": [p.name for p in record.applicants],
            }
        items.append(row)
    return {"snapshot": snapshot.version, "total": total, "offset": offset, "items": items}


@api_router.get("/collections/{collection}/search", responses=ERRORS)
def api_search_inside(
    request: Request,
    collection: CollectionRef,
    user: Public,
    collections: CollectionsDep,
    args: Annotated[SearchArgs, Depends(search_args)],
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    facet: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """`/api/v1/search` inside a snapshot (the latest by default): results and facets."""
    check_query(q)
    principal = principal_of(request, collections, user)
    filters = collections.scope(principal, collection, args.filters, version=version)
    result = search_of(request).search(
        q,
        k=top,
        offset=offset,
        mode=args.mode,
        filters=filters,
        facets=tuple(dict.fromkeys(facet))[:8],
        collapse_family=args.collapse,
        sort=args.sort,
    )
    return {
        "collection": collection,
        "query": q,
        "mode": result.mode.value,
        "total": result.total,
        "offset": offset,
        "items": [result_row(item) for item in result.items],
        "facets": {
            name: [{"value": value, "count": count} for value, count in pairs]
            for name, pairs in result.facets.items()
        },
    }


@api_router.get(
    "/collections/{collection}/export",
    responses={**ERRORS, 200: {"description": "The file, streamed", "content": {"text/csv": {}}}},
)
def api_export_inside(
    request: Request,
    collection: CollectionRef,
    user: Public,
    collections: CollectionsDep,
    args: Annotated[SearchArgs, Depends(search_args)],
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    format: Annotated[str, Query(max_length=10, description="csv, xlsx, ris or jsonl")] = "csv",
) -> StreamingResponse:
    """The latest snapshot's members (or the results of `q` inside it) as a file, streamed."""
    return export_in(request, collections, user, collection, q, format, args)
