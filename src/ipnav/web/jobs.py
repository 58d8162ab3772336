"""Background jobs on the web: the pages ``/jobs`` and the API ``/api/v1/jobs``.

A thin shell over :class:`ipnav.jobs.JobService`: the web app only *submits* jobs and
shows them; ``ipnav worker`` runs them. Who may do what:

* start an export: analysts and above; start an index build: system admins;
* see, cancel (while queued) and download a job: its submitter, and system admins.

A job of someone else is answered 404, as if it did not exist. The job page refreshes
itself while the job runs: ``static/jobs.js`` polls ``/jobs/{id}/progress`` (the session's
JSON twin of ``GET /api/v1/jobs/{id}``), with a ``<noscript>`` meta refresh as fallback.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ipnav.jobs import (
    KINDS,
    Job,
    JobQueue,
    JobsConfigError,
    JobService,
    JobStateError,
)
from ipnav.jobs.export import export_file, filters_to_params
from ipnav.search.export import EXPORTERS
from ipnav.web.deps import Analyst, Csrf, Member, PagesDep, SystemAdmin
from ipnav.web.errors import ServiceUnavailable
from ipnav.web.params import MAX_QUERY_CHARS, check_query, filters_from

router = APIRouter(tags=["pages"], include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["jobs"])

PAGE_SIZE = 50
API_PAGE_MAX = 200

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad parameters (`bad_request`) or query (`query_syntax`)"},
    403: {"description": "The role may not start this kind of job (`forbidden`)"},
    404: {"description": "No such job of yours (`not_found`)"},
    409: {"description": "Not possible in the job's state (`conflict`)"},
    410: {"description": "The export file is gone (`gone`)"},
    503: {"description": "The job queue is unavailable (`unavailable`)"},
}

_LOCK = threading.Lock()


def job_service(request: Request) -> JobService:
    """The app's job service, made on first use (the queue is opened lazily, once)."""
    store = request.app.state.store
    service: JobService | None = getattr(request.app.state, "jobs", None)
    if service is not None and service.engine is store.engine:
        return service
    with _LOCK:
        service = getattr(request.app.state, "jobs", None)
        if service is None or service.engine is not store.engine:
            try:
                queue = JobQueue.open(request.app.state.settings)
            except JobsConfigError as exc:
                raise ServiceUnavailable(f"background jobs are unavailable: {exc}") from None
            service = JobService(store.engine, queue)
            request.app.state.jobs = service
    return service


Jobs = Annotated[JobService, Depends(job_service)]


def job_view(job: Job) -> dict[str, Any]:
    """The API's JSON of a job, with its links."""
    data = job.to_dict()
    data["links"] = {"self": f"/api/v1/jobs/{job.id}"}
    if job.kind == "export" and job.status.value == "done":
        data["links"]["download"] = f"/api/v1/jobs/{job.id}/download"
    return data


def _download(request: Request, service: JobService, job_id: str, user: Any) -> FileResponse:
    job = service.get(job_id, user)
    if job.kind != "export" or job.status.value != "done":
        raise JobStateError(
            f"job {job.id} is a {job.kind} job, {job.status.value}; only a finished "
            "export has a file"
        )
    path, media_type, name = export_file(request.app.state.settings, job)
    return FileResponse(path, media_type=media_type, filename=name)


# -- pages -----------------------------------------------------------------------


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    user: Member,
    pages: PagesDep,
    service: Jobs,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    date_from: Annotated[str, Query(alias="from", max_length=20)] = "",
    until: Annotated[str, Query(max_length=20)] = "",
    country: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    applicant_type: Annotated[list[str], Query()] = [],  # noqa: B006
) -> HTMLResponse:
    """My jobs (a system admin: everybody's), newest first, and the forms that start jobs.

    The query parameters of the search page prefill the export form.
    """
    total, jobs = service.list(user, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return pages.render(
        request,
        "jobs.html",
        {
            "jobs": jobs,
            "total": total,
            "page": page,
            "last_page": max(1, -(-total // PAGE_SIZE)),
            "sees_all": service.sees_all(user),
            "formats": sorted(EXPORTERS),
            "q": q,
            "date_from": date_from,
            "until": until,
            "country": country,
            "applicant_type": applicant_type,
        },
    )


@router.post("/jobs/export")
def start_export(
    request: Request,
    user: Analyst,
    _csrf: Csrf,
    service: Jobs,
    q: Annotated[str, Form(max_length=MAX_QUERY_CHARS)] = "",
    date_from: Annotated[str, Form(alias="from", max_length=20)] = "",
    until: Annotated[str, Form(max_length=20)] = "",
    country: Annotated[list[str], Form()] = [],  # noqa: B006
    applicant_type: Annotated[list[str], Form()] = [],  # noqa: B006
    format: Annotated[str, Form(max_length=10)] = "csv",
    lang: Annotated[str, Form(max_length=5)] = "",
) -> RedirectResponse:
    """Start an export of the search page's query and filters; go to the job's page."""
    check_query(q)
    filters = filters_from(
        country=country, date_from=date_from, until=until, applicant_type=applicant_type
    )
    params = {
        "query": q,
        "format": format,
        "lang": lang or request.state.lang,
        "filters": filters_to_params(filters),
    }
    job = service.submit("export", params, user)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/jobs/index")
def start_index(
    user: SystemAdmin,
    _csrf: Csrf,
    service: Jobs,
    rebuild: Annotated[bool, Form()] = False,
    dense: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    """Start an update (or a rebuild) of the search indexes."""
    job = service.submit("index", {"rebuild": rebuild, "dense": dense}, user)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request, job_id: str, user: Member, pages: PagesDep, service: Jobs
) -> HTMLResponse:
    job = service.get(job_id, user)
    return pages.render(request, "jobs_detail.html", {"job": job})


@router.get("/jobs/{job_id}/progress")
def job_progress(job_id: str, user: Member, service: Jobs) -> dict[str, Any]:
    """The job as JSON for the page's refresh script (session login, unlike the API)."""
    return service.get(job_id, user).to_dict()


@router.get("/jobs/{job_id}/download")
def job_download(request: Request, job_id: str, user: Member, service: Jobs) -> FileResponse:
    return _download(request, service, job_id, user)


@router.post("/jobs/{job_id}/cancel")
def job_cancel(job_id: str, user: Member, _csrf: Csrf, service: Jobs) -> RedirectResponse:
    service.cancel(job_id, user)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


# -- API -------------------------------------------------------------------------


class JobRequest(BaseModel):
    """A job to start: its kind and the kind's parameters."""

    kind: str = Field(
        max_length=32, description=f"One of: {', '.join(sorted(KINDS))}", examples=["export"]
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            'export: {"query", "format": csv|xlsx|ris|jsonl, "lang": zh|en, "filters": '
            '{"countries": […], "date_from": "YYYY-MM-DD", …}}; index: {"rebuild", "dense"}'
        ),
        examples=[{"query": "membrane bioreactor", "format": "csv"}],
    )


@api_router.post("/jobs", status_code=202, responses=ERRORS)
def api_submit(body: JobRequest, user: Analyst, service: Jobs) -> dict[str, Any]:
    """Queue a job (export: analysts and above; index: system admins); 202 with the job."""
    return job_view(service.submit(body.kind, body.params, user))


@api_router.get("/jobs", responses=ERRORS)
def api_list(
    user: Member,
    service: Jobs,
    limit: Annotated[int, Query(ge=1, le=API_PAGE_MAX)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Your jobs (a system admin: everybody's), newest first."""
    total, jobs = service.list(user, limit=limit, offset=offset)
    return {"total": total, "offset": offset, "items": [job_view(job) for job in jobs]}


@api_router.get("/jobs/{job_id}", responses=ERRORS)
def api_job(job_id: str, user: Member, service: Jobs) -> dict[str, Any]:
    """One job: status, progress {done, total, stage}, message, result."""
    return job_view(service.get(job_id, user))


@api_router.get("/jobs/{job_id}/download", responses=ERRORS, response_class=Response)
def api_download(request: Request, job_id: str, user: Member, service: Jobs) -> FileResponse:
    """The file of a finished export (its submitter or a system admin)."""
    return _download(request, service, job_id, user)


@api_router.post("/jobs/{job_id}/cancel", responses=ERRORS)
def api_cancel(job_id: str, user: Member, service: Jobs) -> dict[str, Any]:
    """Cancel a queued job (409 once it runs)."""
    return job_view(service.cancel(job_id, user))
