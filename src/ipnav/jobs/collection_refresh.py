"""The ``collection-refresh`` job: a new snapshot of a thematic database, off the web server.

Parameters (JSON)::

    {"collection": "Org A:membrane-water", "note": "after the March data"}

``collection`` names the collection as :class:`~ipnav.collections.Collections` does
(``NAME`` or ``ORG:NAME``). The job runs as the user who submitted it: the worker
checks again that they may change the collection, so a job submitted through
``POST /api/v1/jobs`` for someone else's collection fails with "no such collection",
exactly as if it did not exist. Progress stages: ``query 1/n`` (ids found),
``branches`` and ``write`` (members stored).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ipnav.accounts import Role
from ipnav.jobs.base import JobContext, JobKind, ProgressFn, only_keys
from ipnav.jobs.errors import JobParamsError

if TYPE_CHECKING:
    from ipnav.jobs.service import Job

MAX_REF_CHARS = 400
MAX_NOTE_CHARS = 2_000


def prepare(params: dict[str, Any]) -> dict[str, Any]:
    only_keys(params, {"collection", "note"}, "collection-refresh jobs")
    ref = params.get("collection")
    if not isinstance(ref, str) or not ref.strip() or len(ref) > MAX_REF_CHARS:
        raise JobParamsError(
            "parameter 'collection' must name the collection to refresh, e.g. \"membrane-water\""
        )
    note = params.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_CHARS):
        raise JobParamsError(f"parameter 'note' must be text of at most {MAX_NOTE_CHARS:,} chars")
    checked: dict[str, Any] = {"collection": ref.strip()}
    if note and note.strip():
        checked["note"] = note.strip()
    return checked


def run(ctx: JobContext, job: Job, progress: ProgressFn) -> dict[str, Any]:
    from ipnav.accounts import Accounts
    from ipnav.collections import Collections
    from ipnav.search.service import SearchService

    user = Accounts(ctx.store.engine).user_by_id(job.user_id) if job.user_id else None
    if user is None:
        raise JobParamsError("the user who asked for this refresh no longer exists")
    progress(0, None, "search")
    search = SearchService.open(ctx.settings, ctx.store)
    try:
        collections = Collections(ctx.store.engine, search)
        principal = collections.principal(user)

        def show(stage: str, done: int, total: int | None) -> None:
            progress(done, total, stage)

        snapshot = collections.refresh(
            principal, job.params["collection"], note=job.params.get("note"), progress=show
        )
    finally:
        search.close()
    return {
        "collection": job.params["collection"],
        "version": snapshot.version,
        "members": snapshot.member_count,
        "cutoff": snapshot.cutoff_date.isoformat() if snapshot.cutoff_date else None,
    }


COLLECTION_REFRESH = JobKind(
    name="collection-refresh",
    min_role=Role.analyst,
    prepare=prepare,
    run=run,
    description="re-run a thematic database's queries and store a new snapshot",
)
