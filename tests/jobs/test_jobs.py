"""Background jobs on a real store and a real huey queue (SQLite files in tmp_path).

Jobs are run by huey's own consumer (:class:`ipnav.jobs.worker.JobWorker`, threads), never
in huey's immediate mode: a job goes through the queue file and back like in production.
The records are real: a few hundred PatSnap and CNKI records, ingested and indexed once.
"""

from __future__ import annotations

import csv
import gc
import gzip
import itertools
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from ipnav.accounts import Accounts, Role, User
from ipnav.ingest.pipeline import ingest_file
from ipnav.jobs import (
    INTERRUPTED,
    KINDS,
    JobKind,
    JobNotAllowed,
    JobNotFound,
    JobParamsError,
    JobQueue,
    JobsConfigError,
    JobService,
    JobStateError,
    JobStatus,
    UnknownJobKind,
)
from ipnav.jobs.export import export_path, filters_from_params
from ipnav.jobs.queue import make_huey
from ipnav.jobs.service import Progress
from ipnav.jobs.worker import JobWorker
from ipnav.search.base import Filters
from ipnav.search.indexing import indexes_exist, update_indexes
from ipnav.search.query.parser import QuerySyntaxError
from ipnav.search.service import SearchService
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore
from ipnav.store.schema import job as job_table

CORPORA = {
    "patsnap_cs3245_citation_corpus/documents.jsonl.gz": 200,
    "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz": 40,
}
PASSWORD = "jobs password 2026"
WAIT_SECONDS = 120
QUERY = "system OR method OR 方法"  # many of the records match


def _ingest(settings: Settings, folder: Path, sample_data: Path) -> None:
    with PatentStore.open(settings) as store:
        for relative, lines in CORPORA.items():
            subset = folder / Path(relative).name.removesuffix(".gz")
            with gzip.open(sample_data / relative, "rt", encoding="utf-8") as source:
                subset.write_text("".join(itertools.islice(source, lines)), encoding="utf-8")
            report = ingest_file(store, settings, subset, dataset=relative.split("/")[0])
            assert report.counts.rejected == 0


@pytest.fixture(scope="module")
def home(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data folder with real records, a lexical index and one user per role."""
    folder = tmp_path_factory.mktemp("jobs")
    settings = Settings(home=folder / "home", sample_data=sample_data, dense_encoder="hashing")
    _ingest(settings, folder, sample_data)
    with PatentStore.open(settings) as store:
        update_indexes(settings, store, dense=False)
        accounts = Accounts(store.engine)
        for role in ("member", "analyst", "system_admin"):
            accounts.create_user(f"{role}@example.org", PASSWORD, role=Role[role])
        accounts.create_user("other-analyst@example.org", PASSWORD, role=Role.analyst)
    return settings


@pytest.fixture
def store(home: Settings):
    with PatentStore.open(home) as opened:
        yield opened


@pytest.fixture
def queue(home: Settings):
    opened = JobQueue.open(home)
    yield opened
    opened.close()


@pytest.fixture
def jobs(store: PatentStore, queue: JobQueue) -> JobService:
    return JobService(store.engine, queue)


def user(store: PatentStore, role: str) -> User:
    return Accounts(store.engine).user_by_email(f"{role}@example.org")


@pytest.fixture
def worker(home: Settings):
    """A started worker (one thread) over the module's home; stopped after the test."""
    running = JobWorker(home, workers=1)
    running.start()
    yield running
    running.close()


def wait_until(jobs: JobService, job_id: str, done: Callable[[JobStatus], bool] | None = None):
    """The job once it has finished (or ``done(status)`` holds); fails after a while."""
    check = done or (lambda status: status in (JobStatus.done, JobStatus.failed))
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = jobs.get(job_id)
        if check(found.status):
            return found
        time.sleep(0.05)
    pytest.fail(f"job {job_id} still {jobs.get(job_id).status} after {WAIT_SECONDS} s")


def read_csv_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    column = header.index("记录号 / Record ID")
    return [row[column] for row in body]


# -- durability -----------------------------------------------------------------------


def test_a_job_queued_with_no_worker_survives_and_runs_when_one_starts(home, sample_data):
    """Enqueue, drop every object, reopen from the same files, run, see it done."""
    store = PatentStore.open(home)
    queue = JobQueue.open(home)
    service = JobService(store.engine, queue)
    analyst = user(store, "analyst")
    submitted = service.submit("export", {"query": QUERY, "format": "csv"}, analyst)
    job_id = submitted.id
    assert submitted.status is JobStatus.queued and submitted.user_email == analyst.email
    assert queue.pending() >= 1
    queue.close()
    store.close()
    del store, queue, service, submitted, analyst
    gc.collect()

    assert (home.home / "jobs.sqlite3").is_file()
    with JobWorker(home) as worker:  # a new process would do exactly this
        worker.start()
        done = wait_until(worker.jobs, job_id)
    assert done.status is JobStatus.done, done.message
    assert done.started_at is not None and done.finished_at >= done.started_at
    assert done.worker == f"{socket.gethostname()}:{os.getpid()}"

    with PatentStore.open(home) as store:
        service = SearchService.open(home, store)
        expected = service.export_ids(QUERY, Filters())
        service.close()
    assert len(expected) > 20
    path = export_path(home, done)
    assert path == home.home / "exports" / f"{job_id}.csv"
    assert read_csv_ids(path) == expected  # every result, in the search's order
    assert done.result == {
        "file": f"{job_id}.csv",
        "format": "csv",
        "records": len(expected),
        "bytes": path.stat().st_size,
    }
    assert (done.done, done.total, done.stage) == (len(expected), len(expected), "export")


def test_export_with_filters_writes_exactly_the_filtered_records(jobs, store, worker, home):
    analyst = user(store, "analyst")
    params = {
        "query": "material OR 材料 OR network",
        "format": "jsonl",
        "filters": {"countries": ["cn"], "date_from": "2010-01-01"},
    }
    job = jobs.submit("export", params, analyst)
    assert job.params["filters"] == {"countries": ["CN"], "date_from": "2010-01-01"}
    done = wait_until(jobs, job.id)
    assert done.status is JobStatus.done, done.message

    lines = export_path(home, done).read_bytes().splitlines()
    exported = [orjson.loads(line) for line in lines]
    assert exported, "the filter should keep some records"
    assert all(r["country"] == "CN" for r in exported)
    assert all(r["publication_date"] >= "2010-01-01" for r in exported)
    for record in exported[:20]:  # the file holds the stored records themselves
        assert store.get(record["id"]).model_dump(mode="json") == record
    service = SearchService.open(home, store)
    try:
        wanted = service.export_ids(params["query"], filters_from_params(done.params["filters"]))
    finally:
        service.close()
    assert [r["id"] for r in exported] == wanted
    assert done.result["records"] == len(wanted) == done.total


# -- failures -------------------------------------------------------------------------


def test_a_failing_job_records_its_message_and_logs_the_traceback(
    jobs, store, worker, monkeypatch, caplog
):
    def explode(ctx, job, progress):
        progress(3, 10, "boiling")
        raise ValueError("the disk is on fire")

    monkeypatch.setitem(KINDS, "boom", JobKind("boom", Role.analyst, lambda p: p, explode))
    caplog.set_level(logging.ERROR, logger="ipnav.jobs.worker")
    job = jobs.submit("boom", {}, user(store, "analyst"))
    failed = wait_until(jobs, job.id)

    assert failed.status is JobStatus.failed
    assert failed.message == "ValueError: the disk is on fire"
    assert "Traceback" not in failed.message
    assert (failed.done, failed.total, failed.stage) == (3, 10, "boiling")  # kept as it got
    assert failed.finished_at is not None and failed.result is None
    logged = [r for r in caplog.records if r.exc_info and job.id in r.getMessage()]
    assert logged and "the disk is on fire" in str(logged[0].exc_info[1])


def test_an_export_without_an_index_fails_with_what_to_do(sample_data, tmp_path):
    settings = Settings(home=tmp_path / "home", sample_data=sample_data, dense_encoder="hashing")
    with PatentStore.open(settings) as store:
        analyst = Accounts(store.engine).create_user("a@example.org", PASSWORD, role=Role.analyst)
        queue = JobQueue.open(settings)
        job = JobService(store.engine, queue).submit("export", {"query": "x"}, analyst)
        queue.close()
    with JobWorker(settings) as worker:
        worker.start()
        failed = wait_until(worker.jobs, job.id)
    assert failed.status is JobStatus.failed
    assert "ipnav index" in failed.message  # the lexical index's own advice
    assert not (settings.exports_dir / f"{job.id}.csv").exists()


def test_a_job_of_a_dead_worker_is_failed_when_a_worker_starts(jobs, store, home):
    analyst = user(store, "analyst")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid is now free: the worker "died"
    here = socket.gethostname()
    orphan = jobs.submit("export", {"query": QUERY}, analyst)
    assert jobs.claim(orphan.id, f"{here}:{dead.pid}").status is JobStatus.running
    elsewhere = jobs.submit("export", {"query": QUERY}, analyst)
    jobs.claim(elsewhere.id, f"another-host.example:{dead.pid}")

    with JobWorker(home) as worker:
        reaped = worker.reap()
    assert orphan.id in reaped and elsewhere.id not in reaped
    failed = jobs.get(orphan.id)
    assert failed.status is JobStatus.failed and failed.message == INTERRUPTED
    assert jobs.get(elsewhere.id).status is JobStatus.running  # it may still run over there
    jobs.fail(elsewhere.id, "test over")


def test_a_cancelled_job_never_runs(jobs, store, home):
    analyst = user(store, "analyst")
    job = jobs.submit("export", {"query": QUERY}, analyst)
    with pytest.raises(JobNotFound):
        jobs.cancel(job.id, user(store, "other-analyst"))
    cancelled = jobs.cancel(job.id, analyst)
    assert cancelled.status is JobStatus.cancelled and cancelled.finished_at is not None
    with pytest.raises(JobStateError, match="only a queued job"):
        jobs.cancel(job.id, analyst)
    after = jobs.submit("export", {"query": QUERY}, analyst)
    with JobWorker(home) as worker:
        worker.start()
        assert wait_until(worker.jobs, after.id).status is JobStatus.done  # queued after it
    again = jobs.get(job.id)
    assert again.status is JobStatus.cancelled and again.started_at is None
    assert not (home.exports_dir / f"{job.id}.csv").exists()


# -- progress -------------------------------------------------------------------------


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_written_at_most_every_half_second_and_on_each_new_stage(jobs, store):
    job = jobs.submit("export", {"query": QUERY}, user(store, "analyst"))
    jobs.claim(job.id, "test:1")
    clock = Clock()
    progress = jobs.reporter(job.id, clock=clock)
    assert isinstance(progress, Progress) and progress.interval == 0.5

    for done in range(1, 1001):  # 1,000 records in 10 s: one write per 0.5 s, not 1,000
        progress(done, 1000, "export")
        clock.now += 0.01
    assert 19 <= progress.writes <= 22
    stored = jobs.get(job.id)
    assert stored.total == 1000 and stored.stage == "export" and 950 <= stored.done < 1000
    progress.flush()
    assert jobs.get(job.id).done == 1000

    writes = progress.writes
    progress(0, None, "lexical")  # a new stage is written at once
    assert progress.writes == writes + 1
    assert (jobs.get(job.id).stage, jobs.get(job.id).total) == ("lexical", None)
    jobs.finish(job.id, {"records": 1000})
    progress(5, 10, "late")  # a finished job's progress is not overwritten
    finished = jobs.get(job.id)
    assert finished.status is JobStatus.done and finished.stage == "lexical"
    assert finished.percent == 100


def test_index_job_builds_the_indexes_with_progress(sample_data, tmp_path):
    settings = Settings(home=tmp_path / "home", sample_data=sample_data, dense_encoder="hashing")
    _ingest(settings, tmp_path, sample_data)
    with PatentStore.open(settings) as store:
        accounts = Accounts(store.engine)
        admin = accounts.create_user("root@example.org", PASSWORD, role=Role.system_admin)
        analyst = accounts.create_user("an@example.org", PASSWORD, role=Role.analyst)
        total = store.count()
        queue = JobQueue.open(settings)
        service = JobService(store.engine, queue)
        with pytest.raises(JobNotAllowed, match="system_admin"):
            service.submit("index", {}, analyst)
        job = service.submit("index", {"dense": False}, admin)
        queue.close()
    assert job.params == {"rebuild": False, "dense": False}
    assert not indexes_exist(settings)
    with JobWorker(settings) as worker:
        worker.start()
        done = wait_until(worker.jobs, job.id)
    assert done.status is JobStatus.done, done.message
    assert done.result["indexed"] == total and done.result["rebuilt"] is True
    assert (done.done, done.total, done.stage) == (total, total, "lexical")
    assert indexes_exist(settings)


# -- who may do what, and what is checked ----------------------------------------------


def test_roles_and_visibility(jobs, store):
    member, analyst = user(store, "member"), user(store, "analyst")
    other, admin = user(store, "other-analyst"), user(store, "system_admin")
    with pytest.raises(JobNotAllowed, match="analyst"):
        jobs.submit("export", {"query": QUERY}, member)
    mine = jobs.submit("export", {"query": QUERY}, analyst)
    theirs = jobs.submit("export", {"query": "material"}, other)

    assert jobs.get(mine.id, analyst).id == mine.id
    with pytest.raises(JobNotFound):  # as if it did not exist
        jobs.get(theirs.id, analyst)
    assert jobs.get(theirs.id, admin).user_email == other.email

    _, seen = jobs.list(analyst, limit=500)
    assert mine.id in {j.id for j in seen} and all(j.user_id == analyst.id for j in seen)
    total, everything = jobs.list(admin, limit=500)
    assert {mine.id, theirs.id} <= {j.id for j in everything} and total >= 2
    assert jobs.list(member)[0] == 0
    for job in (mine, theirs):
        jobs.cancel(job.id, admin)


@pytest.mark.parametrize(
    ("kind", "params", "error", "words"),
    [
        ("no-such-kind", {}, UnknownJobKind, "known kinds: collection-refresh, export, index"),
        ("export", {}, JobParamsError, "'query' is missing"),
        ("export", {"query": "x", "format": "pdf"}, JobParamsError, "known formats"),
        ("export", {"query": "x", "lang": "fr"}, JobParamsError, "'lang'"),
        ("export", {"query": "x", "sort": "date"}, JobParamsError, "unknown parameter 'sort'"),
        ("export", {"query": "x", "filters": {"date_from": "2020-13-01"}}, JobParamsError, "date"),
        ("export", {"query": "x", "filters": {"countries": "CN", "x": 1}}, JobParamsError, "'x'"),
        ("export", {"query": "x", "filters": {"ipc_prefixes": ["???"]}}, JobParamsError, "ipc"),
        ("export", {"query": "TA=(a AND"}, QuerySyntaxError, "never closed"),
        ("index", {"rebuild": "yes"}, JobParamsError, "true or false"),
    ],
)
def test_parameters_are_checked_before_anything_is_queued(jobs, store, kind, params, error, words):
    admin = user(store, "system_admin")
    before = jobs.list(admin, limit=1)[0]
    with pytest.raises(error, match=words):
        jobs.submit(kind, params, admin)
    assert jobs.list(admin, limit=1)[0] == before


def test_an_unreachable_queue_leaves_a_failed_job_with_the_reason(store, tmp_path):
    class Broken(JobQueue):
        def enqueue(self, job_id: str) -> None:
            raise ConnectionError("connection refused")

    broken = Broken(make_huey(Settings(home=tmp_path)))
    service = JobService(store.engine, broken)
    from ipnav.jobs import QueueUnavailable

    with pytest.raises(QueueUnavailable, match="connection refused"):
        service.submit("export", {"query": QUERY}, user(store, "analyst"))
    with store.engine.connect() as conn:
        row = conn.execute(select(job_table).order_by(job_table.c.created_at.desc())).first()
    assert row.status == "failed" and "job queue is unavailable" in row.message


def test_queue_settings(tmp_path):
    default = make_huey(Settings(home=tmp_path / "a"))
    assert default.storage.filename == str(tmp_path / "a" / "jobs.sqlite3")
    named = make_huey(Settings(home=tmp_path, jobs_url=f"sqlite:///{tmp_path / 'q' / 'j.db'}"))
    assert named.storage.filename == str(tmp_path / "q" / "j.db")
    with pytest.raises(JobsConfigError, match="redis://HOST:6379/0"):
        make_huey(Settings(home=tmp_path, jobs_url="amqp://guest:secret@mq/"))
    try:
        import redis  # noqa: F401
    except ImportError:
        with pytest.raises(JobsConfigError, match=r"pip install 'ipnav\[redis\]'") as caught:
            make_huey(Settings(home=tmp_path, jobs_url="redis://user:secret@cache:6379/0"))
        assert "secret" not in str(caught.value)
    else:
        from huey import RedisHuey

        assert isinstance(make_huey(Settings(jobs_url="redis://cache:6379/0")), RedisHuey)


# -- both databases --------------------------------------------------------------------


def test_job_rows_on_each_backend(database_url, tmp_path):
    """The migration and the service on SQLite and PostgreSQL (JSON params and result)."""
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    with PatentStore.open(settings) as store:
        accounts = Accounts(store.engine)
        analyst = accounts.create_user("pg@example.org", PASSWORD, role=Role.analyst)
        queue = JobQueue.open(settings)
        service = JobService(store.engine, queue)
        params = {"query": "膜 AND 生物反应器", "filters": {"countries": ["CN"]}}
        job = service.submit("export", params, analyst)
        assert queue.pending() == 1
        assert service.claim(job.id, "h:1").status is JobStatus.running
        assert service.claim(job.id, "h:2") is None  # delivered twice: runs once
        service.progress(job.id, 7, 9, "export")
        service.finish(job.id, {"file": f"{job.id}.csv", "records": 9})
        done = service.get(job.id, analyst)
        assert done.params["query"] == "膜 AND 生物反应器"
        assert done.params["filters"] == {"countries": ["CN"]}
        assert done.result == {"file": f"{job.id}.csv", "records": 9}
        assert (done.done, done.total, done.stage, done.status) == (7, 9, "export", JobStatus.done)
        assert done.created_at.tzinfo is not None
        data = done.to_dict()
        assert data["progress"] == {"done": 7, "total": 9, "stage": "export", "percent": 100}
        assert orjson.loads(orjson.dumps(data))["status"] == "done"
        queue.close()


# -- the command ---------------------------------------------------------------------------


@pytest.mark.slow
def test_ipnav_worker_runs_queued_jobs_and_stops_on_ctrl_c(home, store, jobs):
    """`ipnav worker` in its own process: runs a job queued before it started, says so."""
    import signal

    job = jobs.submit("export", {"query": QUERY, "format": "ris"}, user(store, "analyst"))
    env = {**os.environ, "IPNAV_HOME": str(home.home), "IPNAV_DENSE_ENCODER": "hashing"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ipnav", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        done = wait_until(jobs, job.id)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert done.status is JobStatus.done, done.message
    assert process.returncode == 0, output
    assert f"worker {socket.gethostname()}:{process.pid}: runs 1 job at a time" in output
    assert f"job {job.id} (export) started for analyst@example.org" in output
    assert f"job {job.id} (export) done in" in output and "worker stopped" in output
    assert done.worker == f"{socket.gethostname()}:{process.pid}"
    assert export_path(home, done).read_text(encoding="utf-8").startswith("TY  - PAT")


def test_the_migration_mirrors_the_job_table_of_the_schema(database_url, tmp_path):
    """Alembic's autogenerate finds nothing to change about ``job`` after ``upgrade``."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ipnav.store.schema import metadata

    settings = Settings(home=tmp_path / "home", database_url=database_url)
    with PatentStore.open(settings) as store, store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)

    def about_job(diff) -> bool:
        text = repr(diff)
        return "'job'" in text or "ix_job_" in text or "pk_job" in text

    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if about_job(d)] == []
