"""What every job kind is: a least role, a check of its parameters, and a run function.

A kind's ``prepare`` turns the parameters a user sent into the JSON-ready dict that is
stored with the job (raising :class:`~ipnav.jobs.errors.JobParamsError` with the key at
fault), so a job that is queued is one that can run. ``run`` is called by the worker with a
:class:`JobContext`, the stored job and a progress callback, and returns the job's result
(JSON-ready: a file name, counts); whatever it raises becomes the job's message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ipnav.accounts import Role
from ipnav.jobs.errors import JobParamsError

if TYPE_CHECKING:
    from ipnav.jobs.service import Job
    from ipnav.settings import Settings
    from ipnav.store.patents import PatentStore


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        """Record how far the job got; cheap enough to call for every record."""
        ...


@dataclass(frozen=True)
class JobContext:
    """What a running job may use: the settings and the worker's open store."""

    settings: Settings
    store: PatentStore


class Runner(Protocol):
    def __call__(self, ctx: JobContext, job: Job, progress: ProgressFn) -> dict[str, Any]: ...


@dataclass(frozen=True)
class JobKind:
    """A registered kind of job (see :data:`ipnav.jobs.kinds.KINDS`)."""

    name: str
    min_role: Role
    prepare: Callable[[dict[str, Any]], dict[str, Any]]
    run: Runner
    description: str = ""


def only_keys(params: Mapping[str, Any], allowed: set[str], where: str) -> None:
    """Refuse parameters a kind does not know (a typo should not be ignored silently)."""
    unknown = sorted(str(key) for key in set(params) - allowed)
    if unknown:
        raise JobParamsError(
            f"unknown parameter {', '.join(repr(k[:40]) for k in unknown[:5])} for {where}; "
            f"known: {', '.join(sorted(allowed))}"
        )


def flag(params: Mapping[str, Any], key: str, default: bool) -> bool:
    value = params.get(key, default)
    if not isinstance(value, bool):
        raise JobParamsError(f"parameter {key!r} must be true or false (got {value!r:.40})")
    return value
