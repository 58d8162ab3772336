"""Errors of the jobs core; the web and the CLI map them to statuses and exit codes."""

from __future__ import annotations

from ipnav.errors import IpnavError


class JobError(IpnavError):
    """Something about a background job is not right."""


class UnknownJobKind(JobError):
    """A job kind that is not in the registry (:data:`ipnav.jobs.kinds.KINDS`)."""


class JobParamsError(JobError):
    """The parameters of a job are missing, of the wrong type or out of range."""


class JobNotFound(JobError):
    """No job has this id, or the asking user may not see it (never says which)."""


class JobNotAllowed(JobError):
    """The user's role may not start a job of this kind."""


class JobStateError(JobError):
    """The job is not in a state that allows this (e.g. cancelling a running job)."""


class JobFileMissing(JobError):
    """A finished export whose file is gone (deleted by hand, or another data folder)."""


class JobsConfigError(JobError):
    """The queue cannot be opened: a bad ``IPNAV_JOBS_URL`` or a missing optional package."""


class QueueUnavailable(JobError):
    """The queue refused a new job (e.g. Redis is down); the job is recorded as failed."""
