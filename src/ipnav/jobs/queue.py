"""The queue that carries job ids from the web app to the workers: huey.

Why huey: a small, long-maintained task queue (one dependency-free package) whose SQLite
storage needs no server — the embedded default, a file beside the store — and whose Redis
storage serves a production site with several workers; both are durable, so a job queued
while no worker runs waits for one. (Celery needs a broker even for one machine; RQ needs
Redis always; Dramatiq has no embedded storage.)

Only the job's id travels through the queue, as the one task ``run_job``; the job
itself (kind, parameters, status, progress) is the row in the store
(:mod:`ipnav.jobs.service`). The queue's own results store is off: the row holds the result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey

from ipnav.jobs.errors import JobsConfigError
from ipnav.settings import Settings

QUEUE_NAME = "ipnav"
TASK_NAME = "run_job"  # registered as ipnav.jobs.queue.run_job
SQLITE_FILE = "jobs.sqlite3"


def make_huey(settings: Settings) -> Huey:
    """The huey instance ``IPNAV_JOBS_URL`` names (default: ``IPNAV_HOME/jobs.sqlite3``)."""
    url = settings.jobs_url
    if not url:
        return _sqlite(settings.home / SQLITE_FILE)
    if url.startswith("sqlite:///"):
        return _sqlite(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis  # noqa: F401 - only to say how to install it
        except ImportError:
            raise JobsConfigError(
                f"IPNAV_JOBS_URL={_safe(url)} needs the redis package: pip install 'ipnav[redis]'"
            ) from None
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    raise JobsConfigError(
        f"IPNAV_JOBS_URL={_safe(url)} is not a queue ipnav knows; use redis://HOST:6379/0 "
        "or sqlite:///PATH (or leave it unset for IPNAV_HOME/jobs.sqlite3)"
    )


def _sqlite(path: Path) -> Huey:
    path.parent.mkdir(parents=True, exist_ok=True)
    # fsync: a queued job survives a power cut, not only a process restart
    return SqliteHuey(QUEUE_NAME, filename=str(path), results=False, fsync=True)


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep:
        return repr(url[:200])
    scheme, _, _credentials = head.partition("://")
    return repr(f"{scheme}://…@{tail}"[:200])


def describe(settings: Settings) -> str:
    """Where the queue is, for the worker's first line (no password)."""
    if not settings.jobs_url:
        return str(settings.home / SQLITE_FILE)
    return _safe(settings.jobs_url).strip("'")


class JobQueue:
    """Puts job ids on huey's queue; a worker :meth:`bind` s the function that runs them."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        self._runner: Callable[[str], None] | None = None

        @huey.task(name=TASK_NAME)
        def run_job(job_id: str) -> None:
            if self._runner is None:
                raise JobsConfigError("this process only queues jobs; run them with `ipnav worker`")
            self._runner(job_id)

        self._task = run_job

    @classmethod
    def open(cls, settings: Settings) -> JobQueue:
        return cls(make_huey(settings))

    def bind(self, runner: Callable[[str], None]) -> None:
        """Run each dequeued job id with ``runner`` (done by the worker only)."""
        self._runner = runner

    def enqueue(self, job_id: str) -> None:
        """Queue the job ``job_id``; the queue task carries the same id."""
        self.huey.enqueue(self._task.task_class((job_id,), {}, id=job_id))

    def pending(self) -> int:
        """How many jobs wait in the queue (not counting running ones)."""
        return self.huey.pending_count()

    def close(self) -> None:
        close = getattr(self.huey.storage, "close", None)
        if close is not None:
            close()
