"""Thematic databases on the web: the pages ``/collections`` and ``/collections/{collection}``.

A thin shell over :class:`ipnav.collections.Collections` (the API is in
:mod:`ipnav.web.api_collections`). Who sees what is the core's rule
(:mod:`ipnav.collections.access`): anonymous visitors see public collections, users
also their organisation's and those shared with it; a collection they may not see is
answered 404, exactly like an unknown name. Analysts and administrators of the owner
organisation change a collection; a refresh runs as a background job
(``collection-refresh``, :mod:`ipnav.jobs.collection_refresh`), and its page links to it.

``{collection}`` in a path is the collection's name, or ``ORG:NAME`` where several
organisations use the name (the pages link with whichever resolves).
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from ipnav.accounts import User
from ipnav.collections import Collection, Collections, Principal
from ipnav.collections.model import MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS
from ipnav.search.export import ExportError
from ipnav.search.export_stream import exporter, fetch_records, stream_export
from ipnav.search.query.parser import QuerySyntaxError
from ipnav.web.deps import Analyst, Csrf, LoginRequired, PagesDep, Public, search_service
from ipnav.web.errors import WebError
from ipnav.web.export import export_response, row_limit
from ipnav.web.jobs import Jobs
from ipnav.web.params import MAX_OFFSET, MAX_QUERY_CHARS, SearchArgs, check_query, search_args
from ipnav.web.scope import CollectionsDep, principal_of
from ipnav.web.views import result_view

router = APIRouter(tags=["pages"], include_in_schema=False)

MEMBERS_PAGE = 25
SEARCH_PAGE = 10
FACETS = ("country", "applicant_type", "publication_year")
#: A collection reference in a path: ``NAME`` or ``ORG:NAME``.
CollectionRef = Annotated[str, Path(min_length=1, max_length=400)]
TextArea = Annotated[str, Form(max_length=20_000)]


def link(ref: str, suffix: str = "") -> str:
    return f"/collections/{quote(ref, safe=':')}{suffix}"


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def names(text: str) -> list[str]:
    """Organisation names typed one a line or separated by commas."""
    return [part.strip() for line in lines(text) for part in line.split(",") if part.strip()]


def submit_refresh(jobs: Any, user: User, item: Collection, note: str | None = None) -> Any:
    """Queue the ``collection-refresh`` job of ``item`` for ``user``."""
    params: dict[str, Any] = {"collection": item.qualified}
    if note:
        params["note"] = note
    return jobs.submit("collection-refresh", params, user)


def export_members(
    request: Request, collections: Collections, user: User, ref: str, format: str
) -> StreamingResponse:
    """Every member of the latest snapshot as a file, streamed (capped like /api/v1/export)."""
    try:
        chosen = exporter(format)
    except ExportError as exc:
        raise WebError(str(exc), code="unknown_format") from None
    limit = row_limit(request.app.state.settings, user)
    if limit <= 0:
        raise LoginRequired("please log in to export")
    principal = principal_of(request, collections, user)
    snapshot, ids = collections.member_ids(principal, ref)
    records = fetch_records(request.app.state.store, ids)
    meta = {"collection": ref, "snapshot": str(snapshot.version)}
    body = stream_export(
        itertools.islice(records, limit), chosen.name, lang=request.state.lang, meta=meta
    )
    name = f"ipnav-{ref.replace(':', '-')}-v{snapshot.version}{chosen.suffix}"
    headers = {
        "Content-Disposition": f'attachment; filename="collection{chosen.suffix}"; '
        f"filename*=UTF-8''{quote(name)}",
        "X-Ipnav-Row-Limit": str(limit),
        "Cache-Control": "no-store",
    }
    return StreamingResponse(body, media_type=chosen.media_type, headers=headers)


def export_in(
    request: Request,
    collections: Collections,
    user: User,
    ref: str,
    q: str,
    format: str,
    args: SearchArgs,
) -> StreamingResponse:
    """The export of a search inside ``ref`` (every member when ``q`` is empty)."""
    if not q.strip():
        return export_members(request, collections, user, ref, format)
    principal = principal_of(request, collections, user)
    scoped = replace(args, filters=collections.scope(principal, ref, args.filters))
    service = search_of(request)
    return export_response(request, service, request.app.state.store, user, q, format, scoped)


def search_of(request: Request) -> Any:
    """The app's search service (503 while the index is missing)."""
    return search_service(request)


# -- pages ------------------------------------------------------------------------------


@router.get("/collections", response_class=HTMLResponse)
def collections_page(
    request: Request, user: Public, pages: PagesDep, collections: CollectionsDep
) -> HTMLResponse:
    """The collections the visitor may see, and (for analysts) the form to create one."""
    principal = principal_of(request, collections, user)
    items = collections.list_visible(principal)
    links = {item.id: link(collections.ref_for(principal, item, items)) for item in items}
    return pages.render(request, "collections.html", {"items": items, "links": links})


@router.post("/collections")
def create_collection(
    request: Request,
    user: Analyst,
    _csrf: Csrf,
    collections: CollectionsDep,
    jobs: Jobs,
    name: Annotated[str, Form(max_length=100)] = "",
    title: Annotated[str, Form(max_length=MAX_TITLE_CHARS)] = "",
    description: Annotated[str, Form(max_length=MAX_DESCRIPTION_CHARS)] = "",
    queries: TextArea = "",
    visibility: Annotated[str, Form(max_length=16)] = "private",
    share_with: Annotated[str, Form(max_length=4000)] = "",
    includes: TextArea = "",
    breakdown: TextArea = "",
) -> Response:
    """Create a collection and queue its first snapshot; go to its page."""
    principal = principal_of(request, collections, user)
    item = collections.create(
        principal,
        name,
        queries=lines(queries),
        title=title,
        description=description,
        visibility=visibility,
        shared_with=names(share_with),
        includes=lines(includes),
        breakdown=breakdown or None,
    )
    job = submit_refresh(jobs, user, item)
    return RedirectResponse(f"{link(item.name)}?{urlencode({'job': job.id})}", status_code=303)


@router.get("/collections/{collection}", response_class=HTMLResponse)
def collection_page(
    request: Request,
    collection: CollectionRef,
    user: Public,
    pages: PagesDep,
    collections: CollectionsDep,
    args: Annotated[SearchArgs, Depends(search_args)],
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_OFFSET // MEMBERS_PAGE)] = 1,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    branch: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    job: Annotated[str, Query(max_length=32, pattern="^[0-9a-f]*$")] = "",
) -> HTMLResponse:
    """One collection: definition, breakdown with counts, snapshots, members, search inside."""
    principal = principal_of(request, collections, user)
    item = collections.get(principal, collection)
    snaps = collections.snapshots(principal, collection)
    context: dict[str, Any] = {
        "item": item,
        "ref": collection,
        "base": link(collection),
        "snapshots": snaps,
        "job": job,
        "q": q,
        "page": page,
        "branch": branch,
        "version": version,
        "snapshot": None,
        "tree": item.breakdown,
        "members": [],
        "total": 0,
        "result": None,
        "query_error": None,
        "breakdown_text": item.breakdown.to_text(),
        "queries_text": "\n".join(query.query for query in item.queries),
    }
    if snaps:
        snapshot, total, members = collections.members(
            principal,
            collection,
            version=version,
            offset=(page - 1) * MEMBERS_PAGE,
            limit=MEMBERS_PAGE,
            branch=branch,
        )
        records = {
            r.id: r for r in request.app.state.store.get_many([m.patent_id for m in members])
        }
        context.update(
            snapshot=snapshot,
            total=total,
            members=[(m, records.get(m.patent_id)) for m in members],
            tree=snapshot.branches if snapshot.branches.branches else item.breakdown,
            pages_count=max(1, -(-total // MEMBERS_PAGE)),
        )
        if q.strip():
            context.update(
                _search_inside(request, collections, principal, collection, q, args, page, version)
            )
    return pages.render(request, "collections_detail.html", context)


def _search_inside(
    request: Request,
    collections: Collections,
    principal: Principal,
    ref: str,
    q: str,
    args: SearchArgs,
    page: int,
    version: int | None,
) -> dict[str, Any]:
    check_query(q)
    filters = collections.scope(principal, ref, args.filters, version=version)
    try:
        result = search_of(request).search(
            q,
            k=SEARCH_PAGE,
            offset=(page - 1) * SEARCH_PAGE,
            filters=filters,
            mode=args.mode,
            facets=FACETS,
            sort=args.sort,
        )
    except QuerySyntaxError as exc:
        return {"query_error": {"message": exc.reason, "position": exc.position}}
    return {
        "result": result,
        "items": [result_view(item, request.state.lang) for item in result.items],
        "search_pages": None if result.total is None else max(1, -(-result.total // SEARCH_PAGE)),
    }


@router.get("/collections/{collection}/export")
def collection_export(
    request: Request,
    collection: CollectionRef,
    user: Public,
    collections: CollectionsDep,
    args: Annotated[SearchArgs, Depends(search_args)],
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    format: Annotated[str, Query(max_length=10)] = "csv",
) -> StreamingResponse:
    """The members (or the results of ``q`` inside the collection) as a file."""
    return export_in(request, collections, user, collection, q, format, args)


@router.post("/collections/{collection}/edit")
def edit_collection(
    request: Request,
    collection: CollectionRef,
    user: Analyst,
    _csrf: Csrf,
    collections: CollectionsDep,
    title: Annotated[str, Form(max_length=MAX_TITLE_CHARS)] = "",
    description: Annotated[str, Form(max_length=MAX_DESCRIPTION_CHARS)] = "",
    queries: TextArea = "",
    visibility: Annotated[str, Form(max_length=16)] = "",
    share_with: Annotated[str, Form(max_length=4000)] = "",
    breakdown: TextArea = "",
) -> Response:
    """Change the definition; a query whose text is unchanged keeps its filters."""
    principal = principal_of(request, collections, user)
    current = collections.get(principal, collection)
    kept = {query.query: query for query in current.queries}
    typed = lines(queries)
    collections.edit(
        principal,
        collection,
        title=title or None,
        description=description,
        visibility=visibility or None,
        shared_with=None if not visibility else names(share_with) if visibility == "shared" else [],
        queries=[kept.get(" ".join(text.split()), text) for text in typed] if typed else None,
        breakdown=breakdown,
    )
    return RedirectResponse(link(collection), status_code=303)


@router.post("/collections/{collection}/manual")
def manual_collection(
    request: Request,
    collection: CollectionRef,
    user: Analyst,
    _csrf: Csrf,
    collections: CollectionsDep,
    ids: TextArea = "",
    action: Annotated[str, Form(max_length=10)] = "include",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Include, exclude or forget (the queries decide again) patent ids, one a line."""
    principal = principal_of(request, collections, user)
    wanted = [part for line in lines(ids) for part in line.replace(",", " ").split()]
    if action == "include":
        collections.include(principal, collection, wanted, note=note or None)
    elif action == "exclude":
        collections.exclude(principal, collection, wanted, note=note or None)
    elif action == "forget":
        collections.forget(principal, collection, wanted)
    else:
        raise WebError(f"action={action[:20]!r} is not one of include, exclude, forget")
    return RedirectResponse(link(collection), status_code=303)


@router.post("/collections/{collection}/refresh")
def refresh_collection(
    request: Request,
    collection: CollectionRef,
    user: Analyst,
    _csrf: Csrf,
    collections: CollectionsDep,
    jobs: Jobs,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Queue a new snapshot; back to the collection's page, which links to the job."""
    principal = principal_of(request, collections, user)
    item = collections.editable(principal, collection)  # refused now, not in the worker
    job = submit_refresh(jobs, user, item, note.strip() or None)
    return RedirectResponse(f"{link(collection)}?{urlencode({'job': job.id})}", status_code=303)


@router.post("/collections/{collection}/delete")
def delete_collection(
    request: Request,
    collection: CollectionRef,
    user: Analyst,
    _csrf: Csrf,
    collections: CollectionsDep,
) -> Response:
    collections.delete(principal_of(request, collections, user), collection)
    return RedirectResponse("/collections", status_code=303)
