"""Background jobs: long work (index builds, big exports, later reports) off the web server.

The web app and the API only *submit* jobs (:class:`JobService`); ``ipnav worker``
(:class:`~ipnav.jobs.worker.JobWorker`) runs them. Each job is a row in the store's
``job`` table — kind, parameters, status, progress, message, result, who asked — and its
id travels to the workers through a huey queue (:mod:`ipnav.jobs.queue`: SQLite file in
``IPNAV_HOME`` by default, Redis with ``IPNAV_JOBS_URL``). Kinds are registered in
:data:`~ipnav.jobs.kinds.KINDS`. Nothing here imports a web framework or the CLI.
"""

from ipnav.jobs.base import JobContext, JobKind
from ipnav.jobs.errors import (
    JobError,
    JobFileMissing,
    JobNotAllowed,
    JobNotFound,
    JobParamsError,
    JobsConfigError,
    JobStateError,
    QueueUnavailable,
    UnknownJobKind,
)
from ipnav.jobs.kinds import KINDS, get_kind
from ipnav.jobs.queue import JobQueue
from ipnav.jobs.service import INTERRUPTED, JOB_ADMIN, Job, JobService, JobStatus

__all__ = [
    "INTERRUPTED",
    "JOB_ADMIN",
    "KINDS",
    "Job",
    "JobContext",
    "JobError",
    "JobFileMissing",
    "JobKind",
    "JobNotAllowed",
    "JobNotFound",
    "JobParamsError",
    "JobQueue",
    "JobService",
    "JobStateError",
    "JobStatus",
    "JobsConfigError",
    "QueueUnavailable",
    "UnknownJobKind",
    "get_kind",
]
