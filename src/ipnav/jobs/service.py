"""The durable record of background jobs, in the store's database (table ``job``).

:class:`JobService` is the one entry point the web app, the CLI and the worker use. The
queue (:class:`~ipnav.jobs.queue.JobQueue`) only carries a job's id to a worker; what a job
is, who asked for it, how far it got and how it ended lives here, so a job outlives the
web server, the worker and the queue's own storage.

States: ``queued`` → ``running`` → ``done`` | ``failed``; a queued job may be ``cancelled``.
A worker *claims* a job by moving it from ``queued`` to ``running`` in one conditional
``UPDATE``, so a cancelled job, or one delivered twice, never runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select, update

from ipnav.accounts import Role, User
from ipnav.jobs.errors import (
    JobNotAllowed,
    JobNotFound,
    JobsConfigError,
    JobStateError,
    QueueUnavailable,
)
from ipnav.jobs.kinds import get_kind
from ipnav.store.schema import job as job_table

if TYPE_CHECKING:
    from ipnav.jobs.queue import JobQueue

log = logging.getLogger(__name__)

#: Who sees and may cancel every user's jobs (others see their own only).
JOB_ADMIN = Role.system_admin
#: Least seconds between two progress writes of one job (the last state is always written).
PROGRESS_INTERVAL = 0.5
#: Longest message kept (an exception's text can be long).
MAX_MESSAGE = 2000
#: Message of a job whose worker stopped (killed, crashed, machine off) while running it.
INTERRUPTED = "worker stopped while running; resubmit"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


FINISHED = frozenset({JobStatus.done, JobStatus.failed, JobStatus.cancelled})


@dataclass(frozen=True)
class Job:
    """One job as stored; times are timezone-aware UTC."""

    id: str
    kind: str
    params: dict[str, Any]
    status: JobStatus
    done: int
    total: int | None
    stage: str | None
    message: str | None
    result: dict[str, Any] | None
    user_id: int | None
    user_email: str | None
    worker: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    updated_at: dt.datetime = field(compare=False)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, None while the total is unknown."""
        if self.status is JobStatus.done:
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(100 * self.done / self.total)))

    def to_dict(self) -> dict[str, Any]:
        """The job as JSON (the API's shape); never a traceback, only the message."""

        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status.value,
            "params": self.params,
            "progress": {
                "done": self.done,
                "total": self.total,
                "stage": self.stage,
                "percent": self.percent,
            },
            "message": self.message,
            "result": self.result,
            "user": self.user_email,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
        }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _job(row: Mapping[str, Any]) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        params=dict(row["params"] or {}),
        status=JobStatus(row["status"]),
        done=row["progress_done"] or 0,
        total=row["progress_total"],
        stage=row["stage"],
        message=row["message"],
        result=row["result"],
        user_id=row["user_id"],
        user_email=row["user_email"],
        worker=row["worker"],
        created_at=_aware(row["created_at"]),  # type: ignore[arg-type]
        started_at=_aware(row["started_at"]),
        finished_at=_aware(row["finished_at"]),
        updated_at=_aware(row["updated_at"]),  # type: ignore[arg-type]
    )


def error_message(exc: BaseException) -> str:
    """What a user is shown of a failure: the message, never a traceback.

    An expected error (:class:`~ipnav.errors.IpnavError`) says what to do in its own
    words; anything else is named by its type, as it is unexpected.
    """
    from ipnav.errors import IpnavError

    text = str(exc).strip()
    if not isinstance(exc, IpnavError):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    text = text or "the job failed without a message"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class JobService:
    """Submit, look up, cancel and run-side update background jobs in ``engine``'s database.

    ``queue`` is needed only to submit; a worker passes its own, a page that only reads
    jobs may pass none.
    """

    def __init__(
        self,
        engine: Engine,
        queue: JobQueue | None = None,
        *,
        progress_interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self.engine = engine
        self.queue = queue
        self.progress_interval = progress_interval

    # -- asking ------------------------------------------------------------------

    def submit(self, kind: str, params: Mapping[str, Any] | None, user: User) -> Job:
        """Check and record a job of ``kind`` for ``user``, then put it on the queue.

        Raises
        ------
        UnknownJobKind, JobParamsError
            Before anything is recorded.
        JobNotAllowed
            The user's role is below the kind's least role.
        QueueUnavailable
            The queue refused it; the job is kept as ``failed`` with the reason.
        """
        spec = get_kind(kind)
        if user.anonymous or not user.may(spec.min_role):
            raise JobNotAllowed(
                f"{spec.name} jobs need the role {spec.min_role.name} or higher; "
                f"you are {user.role.name}"
            )
        checked = spec.prepare(dict(params or {}))
        if self.queue is None:
            raise JobsConfigError("no job queue was given; this service can only read jobs")
        job_id = uuid.uuid4().hex
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                job_table.insert().values(
                    id=job_id,
                    kind=spec.name,
                    params=checked,
                    status=JobStatus.queued.value,
                    progress_done=0,
                    user_id=user.id,
                    user_email=user.email,
                    created_at=now,
                    updated_at=now,
                )
            )
        try:
            self.queue.enqueue(job_id)
        except Exception as exc:
            log.exception("could not queue job %s", job_id)
            message = f"the job queue is unavailable ({error_message(exc)}); try again later"
            self.fail(job_id, message)
            raise QueueUnavailable(message) from exc
        return self._get(job_id)

    def get(self, job_id: str, user: User | None = None) -> Job:
        """The job ``job_id``; with ``user``, only one they may see (else :class:`JobNotFound`)."""
        found = self.find(job_id)
        if found is None or (user is not None and not self.may_see(user, found)):
            raise JobNotFound(
                f"no job {job_id[:40]!r} of yours; see your jobs on /jobs or GET /api/v1/jobs"
            )
        return found

    def list(
        self,
        user: User,
        *,
        limit: int = 50,
        offset: int = 0,
        status: JobStatus | None = None,
    ) -> tuple[int, list[Job]]:
        """The count and one page of the jobs ``user`` may see, newest first.

        Everybody sees their own jobs; :data:`JOB_ADMIN` sees everybody's.
        """
        query = select(job_table)
        count = select(func.count()).select_from(job_table)
        if not self.sees_all(user):
            query = query.where(job_table.c.user_id == user.id)
            count = count.where(job_table.c.user_id == user.id)
        if status is not None:
            query = query.where(job_table.c.status == status.value)
            count = count.where(job_table.c.status == status.value)
        query = query.order_by(job_table.c.created_at.desc(), job_table.c.id).limit(limit)
        with self.engine.connect() as conn:
            total = conn.execute(count).scalar_one()
            rows = conn.execute(query.offset(offset)).mappings().all()
        return total, [_job(row) for row in rows]

    def cancel(self, job_id: str, user: User) -> Job:
        """Cancel a queued job of ``user`` (an admin: anyone's); a running job runs on."""
        found = self.get(job_id, user)
        now = utcnow()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(job_table)
                .where(job_table.c.id == job_id, job_table.c.status == JobStatus.queued.value)
                .values(
                    status=JobStatus.cancelled.value,
                    finished_at=now,
                    updated_at=now,
                    message=f"cancelled by {user.email}",
                )
            ).rowcount
        if not changed:
            current = self._get(job_id)
            raise JobStateError(
                f"job {found.id} is {current.status.value}; only a queued job can be cancelled"
            )
        return self._get(job_id)

    @staticmethod
    def sees_all(user: User) -> bool:
        return not user.anonymous and user.may(JOB_ADMIN)

    def may_see(self, user: User, job: Job) -> bool:
        """The submitter and :data:`JOB_ADMIN` may see (and download) a job."""
        if user.anonymous:
            return False
        return self.sees_all(user) or (job.user_id is not None and job.user_id == user.id)

    # -- the worker's side ---------------------------------------------------------

    def claim(self, job_id: str, worker: str) -> Job | None:
        """Mark a queued job ``running`` by ``worker``; None if it is not queued (any more)."""
        now = utcnow()
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(job_table)
                .where(job_table.c.id == job_id, job_table.c.status == JobStatus.queued.value)
                .values(
                    status=JobStatus.running.value,
                    worker=worker[:200],
                    started_at=now,
                    updated_at=now,
                )
            ).rowcount
        return self._get(job_id) if claimed else None

    def progress(self, job_id: str, done: int, total: int | None, stage: str | None) -> None:
        """Record how far a running job got (unthrottled; see :meth:`reporter`)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(job_table)
                .where(job_table.c.id == job_id, job_table.c.status == JobStatus.running.value)
                .values(
                    progress_done=done,
                    progress_total=total,
                    stage=None if stage is None else stage[:200],
                    updated_at=utcnow(),
                )
            )

    def reporter(self, job_id: str, clock: Callable[[], float] = time.monotonic) -> Progress:
        """A throttled progress callback for the job ``job_id`` (see :class:`Progress`)."""
        return Progress(self, job_id, self.progress_interval, clock)

    def finish(self, job_id: str, result: Mapping[str, Any] | None) -> None:
        """Mark a running job ``done`` with its result."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                update(job_table)
                .where(job_table.c.id == job_id, job_table.c.status == JobStatus.running.value)
                .values(
                    status=JobStatus.done.value,
                    result=dict(result or {}),
                    message=None,
                    finished_at=now,
                    updated_at=now,
                )
            )

    def fail(self, job_id: str, message: str) -> bool:
        """Mark a queued or running job ``failed`` with ``message`` (shown to the user).

        Returns whether it was queued or running (a finished job is left as it ended).
        """
        now = utcnow()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(job_table)
                .where(
                    job_table.c.id == job_id,
                    job_table.c.status.in_([JobStatus.queued.value, JobStatus.running.value]),
                )
                .values(
                    status=JobStatus.failed.value,
                    message=message[:MAX_MESSAGE],
                    finished_at=now,
                    updated_at=now,
                )
            ).rowcount
        return bool(changed)

    def reap_interrupted(self, host: str, alive: Callable[[int], bool]) -> list[str]:
        """Fail the jobs left ``running`` by a worker of ``host`` whose process is gone.

        A worker that is killed (or whose machine stops) mid-job cannot record the end; its
        queue message is gone too, so the job would show ``running`` for ever. A worker
        calls this when it starts. Jobs of workers on other hosts are left alone: this one
        cannot tell whether they still run.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(job_table.c.id, job_table.c.worker).where(
                    job_table.c.status == JobStatus.running.value
                )
            ).all()
        reaped = []
        for job_id, worker in rows:
            worker_host, _, pid = (worker or "").rpartition(":")
            if worker_host != host or not pid.isdigit() or alive(int(pid)):
                continue
            if self.fail(job_id, INTERRUPTED):
                reaped.append(job_id)
        return reaped

    # -- reading -------------------------------------------------------------------

    def find(self, job_id: str) -> Job | None:
        """The job ``job_id`` as stored, or None (no access check: for the worker)."""
        if not isinstance(job_id, str) or not job_id or len(job_id) > 64:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(job_table).where(job_table.c.id == job_id)).mappings().first()
        return _job(row) if row else None

    def _get(self, job_id: str) -> Job:
        found = self.find(job_id)
        if found is None:
            raise JobNotFound(f"no job {job_id[:40]!r}")
        return found


class Progress:
    """The progress callback a job kind gets: ``progress(done, total, stage)``.

    Writes at most once every ``interval`` seconds, and at once when the stage changes,
    so a loop may call it for every record; :meth:`flush` writes the last state.
    """

    def __init__(
        self, service: JobService, job_id: str, interval: float, clock: Callable[[], float]
    ) -> None:
        self.service = service
        self.job_id = job_id
        self.interval = interval
        self.clock = clock
        self.done = 0
        self.total: int | None = None
        self.stage: str | None = None
        self.writes = 0
        self._written_at: float | None = None
        self._dirty = False

    def __call__(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        new_stage = stage is not None and stage != self.stage
        self.done, self.total = done, total
        if stage is not None:
            self.stage = stage
        self._dirty = True
        now = self.clock()
        if new_stage or self._written_at is None or now - self._written_at >= self.interval:
            self._write(now)

    def flush(self) -> None:
        if self._dirty:
            self._write(self.clock())

    def _write(self, now: float) -> None:
        self.service.progress(self.job_id, self.done, self.total, self.stage)
        self._written_at = now
        self._dirty = False
        self.writes += 1
