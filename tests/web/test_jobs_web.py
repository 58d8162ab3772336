"""Background jobs through the web app: the API, the pages, roles, and a real worker.

The worker is :class:`ipnav.jobs.worker.JobWorker` (huey's consumer, in threads) over the
same data folder as the app: the app only queues, the worker runs, as in production.
"""

from __future__ import annotations

import csv
import io
import time

import pytest

from ipnav.accounts import Role
from ipnav.jobs import KINDS, JobKind
from ipnav.jobs.worker import JobWorker
from ipnav.search.base import Filters

QUERY = "system OR method OR 方法"
WAIT_SECONDS = 120


def bearer(client, email: str) -> dict[str, str]:
    accounts = client.app.state.accounts
    secret, _ = accounts.create_token(accounts.user_by_email(email), "jobs test")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def worker(web_settings):
    running = JobWorker(web_settings)
    running.start()
    yield running
    running.close()


def wait_for(client, job_id: str, headers: dict[str, str]) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    pytest.fail(f"job {job_id} did not finish in {WAIT_SECONDS} s")


def csv_ids(content: bytes) -> list[str]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    column = rows[0].index("记录号 / Record ID")
    return [row[column] for row in rows[1:]]


@pytest.fixture
def exported(client, users, worker):
    """An analyst's finished CSV export, submitted through the API."""
    headers = bearer(client, users["analyst"])
    response = client.post(
        "/api/v1/jobs",
        json={"kind": "export", "params": {"query": QUERY, "format": "csv"}},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] == "queued" and queued["user"] == users["analyst"]
    assert queued["links"] == {"self": f"/api/v1/jobs/{queued['id']}"}
    return wait_for(client, queued["id"], headers), headers


def test_an_analyst_exports_through_the_api_and_downloads_the_csv(client, exported):
    job, headers = exported
    assert job["status"] == "done", job["message"]
    expected = client.app.state.search.export_ids(QUERY, Filters())
    assert len(expected) > 20
    assert job["progress"] == {
        "done": len(expected),
        "total": len(expected),
        "stage": "export",
        "percent": 100,
    }
    assert job["result"]["records"] == len(expected) and job["message"] is None
    assert job["started_at"] <= job["finished_at"]
    assert job["links"]["download"] == f"/api/v1/jobs/{job['id']}/download"

    download = client.get(job["links"]["download"], headers=headers)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert csv_ids(download.content) == expected

    listed = client.get("/api/v1/jobs", headers=headers).json()
    assert job["id"] in [item["id"] for item in listed["items"]] and listed["total"] >= 1


def test_members_may_not_start_jobs_and_analysts_not_index_builds(client, users):
    member = client.post(
        "/api/v1/jobs",
        json={"kind": "export", "params": {"query": QUERY}},
        headers=bearer(client, users["member"]),
    )
    assert member.status_code == 403 and member.json()["code"] == "forbidden"
    analyst = client.post(
        "/api/v1/jobs", json={"kind": "index"}, headers=bearer(client, users["analyst"])
    )
    assert analyst.status_code == 403 and "system_admin" in analyst.json()["message"]
    anonymous = client.get("/api/v1/jobs")
    assert anonymous.status_code == 401


def test_other_users_can_neither_see_nor_download_a_job(client, users, exported):
    job, _ = exported
    other = bearer(client, users["institution_admin"])  # an admin, but not of the platform
    for path in (f"/api/v1/jobs/{job['id']}", f"/api/v1/jobs/{job['id']}/download"):
        response = client.get(path, headers=other)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    listed = client.get("/api/v1/jobs", headers=other).json()
    assert job["id"] not in [item["id"] for item in listed["items"]]

    root = bearer(client, users["system_admin"])  # sees and downloads everybody's
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=root).json()["status"] == "done"
    assert client.get(f"/api/v1/jobs/{job['id']}/download", headers=root).status_code == 200


def test_bad_parameters_are_refused_before_anything_is_queued(client, users):
    headers = bearer(client, users["analyst"])
    broken = client.post(
        "/api/v1/jobs", json={"kind": "export", "params": {"query": "TA=(a AND"}}, headers=headers
    )
    assert broken.status_code == 400
    assert broken.json()["code"] == "query_syntax" and broken.json()["position"] == 3
    unknown = client.post("/api/v1/jobs", json={"kind": "no-such-kind"}, headers=headers)
    assert (
        unknown.status_code == 400
        and "known kinds: collection-refresh, export, index" in unknown.json()["message"]
    )
    bad_format = client.post(
        "/api/v1/jobs",
        json={"kind": "export", "params": {"query": "x", "format": "pdf"}},
        headers=headers,
    )
    assert bad_format.status_code == 400 and bad_format.json()["code"] == "bad_request"


def test_a_queued_job_can_be_cancelled_once(client, users):
    headers = bearer(client, users["analyst"])  # no worker runs: the job stays queued
    job = client.post(
        "/api/v1/jobs", json={"kind": "export", "params": {"query": QUERY}}, headers=headers
    ).json()
    cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    no_file = client.get(f"/api/v1/jobs/{job['id']}/download", headers=headers)
    assert no_file.status_code == 409


def test_a_failed_job_shows_its_message_not_a_traceback(client, users, worker, login, monkeypatch):
    def explode(ctx, job, progress):
        raise RuntimeError("the exporter ran out of paper")

    monkeypatch.setitem(KINDS, "boom", JobKind("boom", Role.analyst, lambda p: p, explode))
    headers = bearer(client, users["analyst"])
    job = client.post("/api/v1/jobs", json={"kind": "boom"}, headers=headers).json()
    failed = wait_for(client, job["id"], headers)
    assert failed["status"] == "failed"
    assert failed["message"] == "RuntimeError: the exporter ran out of paper"

    login(client, users["analyst"])
    page = client.get(f"/jobs/{job['id']}", params={"lang": "en"})
    assert page.status_code == 200
    assert "The job failed" in page.text and "the exporter ran out of paper" in page.text
    assert "Traceback" not in page.text and "/static/jobs.js" not in page.text  # finished


def test_a_system_admin_updates_the_indexes_through_the_api(client, users, worker):
    headers = bearer(client, users["system_admin"])
    response = client.post(
        "/api/v1/jobs", json={"kind": "index", "params": {"rebuild": False}}, headers=headers
    )
    assert response.status_code == 202, response.text
    job = wait_for(client, response.json()["id"], headers)
    assert job["status"] == "done", job["message"]
    assert job["params"] == {"rebuild": False, "dense": True}
    assert job["result"]["rebuilt"] is False and "download" not in job["links"]


def test_the_jobs_page_renders_in_chinese_and_english(client, users, login, exported):
    job, _ = exported
    login(client, users["analyst"])
    zh = client.get("/jobs", params={"lang": "zh"})
    assert zh.status_code == 200
    assert "我的任务" in zh.text and "结果导出" in zh.text and "已完成" in zh.text
    assert f'href="/jobs/{job["id"]}/download"' in zh.text and "下载文件" in zh.text
    assert 'action="/jobs/export"' in zh.text and 'action="/jobs/index"' not in zh.text
    en = client.get("/jobs", params={"lang": "en"})
    assert "My jobs" in en.text and "Result export" in en.text and "Done" in en.text
    assert 'href="/jobs"' in en.text  # the nav link of logged-in users
    detail = client.get(f"/jobs/{job['id']}", params={"lang": "en"})
    records = job["result"]["records"]
    assert detail.status_code == 200 and f"{records} records exported" in detail.text

    login(client, users["system_admin"])
    admin = client.get("/jobs", params={"lang": "en"})
    assert "All jobs" in admin.text and 'action="/jobs/index"' in admin.text
    assert users["analyst"] in admin.text  # whose job it is


def test_the_export_form_starts_a_job_that_the_page_follows(client, users, login, csrf, worker):
    login(client, users["analyst"])
    response = client.post(
        "/jobs/export?lang=zh",  # the language of the page the form is on
        data={
            "q": QUERY,
            "from": "2000",
            "country": ["CN", "US"],
            "format": "xlsx",
            "csrf_token": csrf(client, "/jobs"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    page = client.get(location, params={"lang": "zh"})
    assert page.status_code == 200 and "结果导出" in page.text
    if "已完成" not in page.text:  # still queued or running: the page follows it
        assert '<script src="/static/jobs.js" defer></script>' in page.text
        assert 'http-equiv="refresh"' in page.text  # inside <noscript>
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]

    deadline = time.monotonic() + WAIT_SECONDS
    while (progress := client.get(f"{location}/progress").json())["status"] != "done":
        assert progress["status"] in ("queued", "running"), progress["message"]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert progress["params"]["filters"] == {
        "date_from": "2000-01-01",
        "countries": ["CN", "US"],
    }
    assert progress["params"]["lang"] == "zh"  # texts and headers in the page's language
    download = client.get(f"{location}/download")
    assert download.status_code == 200 and download.content[:2] == b"PK"  # an XLSX (zip)

    script = client.get("/static/jobs.js")
    assert script.status_code == 200 and "data-progress-url" in script.text


def test_the_export_form_needs_the_csrf_token_and_the_analyst_role(client, users, login, csrf):
    login(client, users["analyst"])
    forged = client.post("/jobs/export", data={"q": QUERY}, follow_redirects=False)
    assert forged.status_code == 403 and "CSRF" in forged.text
    login(client, users["member"])
    page = client.get("/jobs", params={"lang": "en"})
    assert page.status_code == 200 and 'action="/jobs/export"' not in page.text
    refused = client.post(
        "/jobs/export",
        data={"q": QUERY, "csrf_token": csrf(client, "/jobs")},
        follow_redirects=False,
    )
    assert refused.status_code == 403
