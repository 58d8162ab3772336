"""The ``index`` job: update (or rebuild) the search indexes, as ``ipnav index`` does.

Parameters: ``rebuild`` (default false: an incremental update) and ``dense`` (default
true: also the embedding index). Progress stages are ``lexical`` and ``dense``, counted in
records. Only a system admin may start it: a rebuild takes the machine for a while.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ipnav.accounts import Role
from ipnav.jobs.base import JobContext, JobKind, ProgressFn, flag, only_keys

if TYPE_CHECKING:
    from ipnav.jobs.service import Job


def prepare(params: dict[str, Any]) -> dict[str, Any]:
    only_keys(params, {"rebuild", "dense"}, "index jobs")
    return {"rebuild": flag(params, "rebuild", False), "dense": flag(params, "dense", True)}


def run(ctx: JobContext, job: Job, progress: ProgressFn) -> dict[str, Any]:
    from ipnav.search.indexing import update_indexes

    def show(stage: str, done: int, total: int | None) -> None:
        progress(done, total, stage)

    report = update_indexes(
        ctx.settings,
        ctx.store,
        rebuild=job.params["rebuild"],
        dense=job.params["dense"],
        progress=show,
    )
    return {
        "rebuilt": report.rebuilt,
        "indexed": report.indexed,
        "deleted": report.deleted,
        "dense": report.dense,
        "dense_rebuilt": report.dense_rebuilt,
        "seconds": round(report.seconds, 1),
    }


INDEX = JobKind(
    name="index",
    min_role=Role.system_admin,
    prepare=prepare,
    run=run,
    description="update or rebuild the search indexes",
)
