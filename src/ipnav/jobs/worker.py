"""The worker: huey's consumer running queued jobs, and the bookkeeping around each job.

``ipnav worker`` calls :meth:`JobWorker.run`; tests and embedders call :meth:`start` and
:meth:`stop`, which run the same consumer in threads without touching signal handlers.

Around each job the worker claims the row (``queued`` → ``running``; a cancelled job is
skipped), hands the kind a throttled progress callback, and records the end: ``done`` with
the result, or ``failed`` with the exception's message (the traceback goes to the log only).
A job whose worker stops mid-run is marked failed with :data:`~ipnav.jobs.service.INTERRUPTED`:
at once when the worker is stopped for good (huey reports the jobs it interrupted), and
otherwise — killed, crashed — by the next worker started on the same host.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from huey.consumer import Consumer
from huey.signals import SIGNAL_INTERRUPTED

from ipnav.jobs.base import JobContext
from ipnav.jobs.kinds import KINDS
from ipnav.jobs.queue import JobQueue, describe
from ipnav.jobs.service import INTERRUPTED, Job, JobService, error_message
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore

log = logging.getLogger(__name__)

#: Longest wait between two looks at an idle SQLite queue (Redis blocks instead).
MAX_POLL_SECONDS = 2.0

Notify = Callable[[str], None]


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (signal 0 checks without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class _Consumer(Consumer):
    """huey's consumer; embedded (``handle_signals=False``) it leaves the signals alone."""

    handle_signals = True

    def _set_signal_handlers(self) -> None:
        if self.handle_signals:
            super()._set_signal_handlers()


class JobWorker:
    """Runs the jobs of one data folder: ``workers`` at a time, each in a thread.

    Parameters
    ----------
    settings
        Where the store and the queue are.
    workers
        Jobs run at the same time (default ``IPNAV_JOBS_WORKERS``).
    notify
        Called with one line of text for each thing the worker does (the CLI prints them).
    """

    def __init__(
        self, settings: Settings, *, workers: int | None = None, notify: Notify | None = None
    ) -> None:
        self.settings = settings
        self.workers = workers or settings.jobs_workers
        self.notify: Notify = notify or (lambda _text: None)
        self.host = socket.gethostname()
        self.tag = f"{self.host}:{os.getpid()}"
        self.store = PatentStore.open(settings)
        self.queue = JobQueue.open(settings)
        self.jobs = JobService(self.store.engine, self.queue)
        self.context = JobContext(settings, self.store)
        self.queue.bind(self.run_job)
        self.queue.huey.signal(SIGNAL_INTERRUPTED)(self._interrupted)
        self._consumer: _Consumer | None = None

    # -- one job -----------------------------------------------------------------

    def run_job(self, job_id: str) -> Job | None:
        """Run the queued job ``job_id`` to its end; None when it was not queued."""
        job = self.jobs.claim(job_id, self.tag)
        if job is None:
            state = self.jobs.find(job_id)
            why = state.status.value if state else "unknown"
            self.notify(f"job {job_id}: {why}, not run")
            return None
        kind = KINDS.get(job.kind)
        if kind is None:  # a kind removed since the job was queued
            message = f"this ipnav has no job kind {job.kind!r}; known: {', '.join(KINDS)}"
            self.jobs.fail(job.id, message)
            self.notify(f"job {job.id} ({job.kind}) failed: {message}")
            return self.jobs.get(job.id)
        who = job.user_email or "unknown user"
        self.notify(f"job {job.id} ({job.kind}) started for {who}")
        progress = self.jobs.reporter(job.id)
        started = time.perf_counter()
        try:
            result = kind.run(self.context, job, progress)
            progress.flush()
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            message = error_message(exc)
            progress.flush()
            self.jobs.fail(job.id, message)
            self.notify(f"job {job.id} ({job.kind}) failed: {message}")
            return self.jobs.get(job.id)
        except BaseException:  # KeyboardInterrupt, SystemExit: stopped mid-run
            self.jobs.fail(job.id, INTERRUPTED)
            self.notify(f"job {job.id} ({job.kind}) interrupted; marked failed")
            raise
        self.jobs.finish(job.id, result)
        seconds = time.perf_counter() - started
        self.notify(f"job {job.id} ({job.kind}) done in {seconds:.1f} s: {_summary(result)}")
        return self.jobs.get(job.id)

    def _interrupted(self, _signal: str, task: Any, *args: Any, **kwargs: Any) -> None:
        """huey's report of a job still running when the consumer stopped."""
        job_id = task.args[0] if task.args else task.id
        if self.jobs.fail(job_id, INTERRUPTED):
            self.notify(f"job {job_id} interrupted by the worker's stop; marked failed")

    def reap(self) -> list[str]:
        """Fail the jobs a dead worker of this host left ``running`` (see the module doc)."""
        reaped = self.jobs.reap_interrupted(self.host, pid_alive)
        for job_id in reaped:
            self.notify(f"job {job_id}: its worker stopped while running it; marked failed")
        return reaped

    # -- the consumer --------------------------------------------------------------

    def _make_consumer(self, handle_signals: bool) -> _Consumer:
        consumer = _Consumer(
            self.queue.huey,
            workers=self.workers,
            periodic=False,
            initial_delay=0.1,
            backoff=1.15,
            max_delay=MAX_POLL_SECONDS,
        )
        consumer.handle_signals = handle_signals
        return consumer

    def _hello(self) -> None:
        threads = "1 job" if self.workers == 1 else f"{self.workers} jobs"
        self.notify(
            f"worker {self.tag}: runs {threads} at a time from {describe(self.settings)}; "
            f"{self.queue.pending()} waiting"
        )

    def run(self) -> None:
        """Run until SIGINT (waits for running jobs; a second one stops at once) or SIGTERM."""
        self.reap()
        self._hello()
        self._consumer = self._make_consumer(handle_signals=True)
        self._consumer.run()
        self.notify("worker stopped")

    def start(self) -> None:
        """Start the consumer threads and return (for tests and embedding); see :meth:`stop`."""
        self.reap()
        self._hello()
        self._consumer = self._make_consumer(handle_signals=False)
        self._consumer.start()

    def stop(self, graceful: bool = True) -> None:
        """Stop a :meth:`start` ed consumer; ``graceful`` waits for running jobs to end."""
        if self._consumer is None:
            return
        self._consumer.stop(graceful=graceful)
        self.queue.huey.notify_interrupted_tasks()
        self._consumer = None

    def close(self) -> None:
        self.stop()
        self.queue.close()
        self.store.close()

    def __enter__(self) -> JobWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _summary(result: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in result.items()) or "no result"
