"""Thematic databases through the web app: API, pages, jobs, and who may see what.

On the web test home (700+ real records), with a real job worker for the refreshes.
The access tests check that a private collection of one organisation is, for a user of
another, indistinguishable from a name that does not exist: not listed, not readable,
not searchable, not a facet or export scope.
"""

from __future__ import annotations

import csv
import io
import time

import pytest

from ipnav.accounts import Role
from ipnav.jobs.worker import JobWorker
from ipnav.search.base import Filters

WAIT_SECONDS = 120
QUERY = "battery OR charging"
PASSWORD = "collections web 2026"
PEOPLE = {
    "a": ("coll-a@example.org", Role.analyst, "Coll Org A"),
    "a_member": ("coll-a-member@example.org", Role.member, "Coll Org A"),
    "b": ("coll-b@example.org", Role.analyst, "Coll Org B"),
}


@pytest.fixture(scope="module")
def people(client) -> dict[str, dict[str, str]]:
    """Users of two organisations, with an API token each: key -> {email, auth}."""
    accounts = client.app.state.accounts
    out = {}
    for key, (email, role, org) in PEOPLE.items():
        user = accounts.create_user(email, PASSWORD, role=role, organisation=org)
        secret, _ = accounts.create_token(user, "collections test")
        out[key] = {"email": email, "auth": f"Bearer {secret}"}
    return out


@pytest.fixture(scope="module")
def worker(web_settings):
    running = JobWorker(web_settings)
    running.start()
    yield running
    running.close()


def api(client, person, method: str, path: str, **kwargs):
    headers = {"Authorization": person["auth"]} if person else {}
    return client.request(method, f"/api/v1{path}", headers=headers, **kwargs)


def wait_for(client, person, job_id: str) -> dict:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job = api(client, person, "GET", f"/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    pytest.fail(f"job {job_id} did not finish in {WAIT_SECONDS} s")


def create(client, person, name: str, **body) -> dict:
    """Create through the API and wait for the first snapshot's job."""
    response = api(client, person, "POST", "/collections", json={"name": name, **body})
    assert response.status_code == 201, response.text
    made = response.json()
    job = wait_for(client, person, made["job"]["id"])
    assert job["status"] == "done", job["message"]
    assert job["kind"] == "collection-refresh" and job["result"]["version"] == 1
    return made


@pytest.fixture(scope="module")
def private(client, people, worker) -> dict:
    return create(
        client,
        people["a"],
        "a-secret",
        title="A 的秘密电池库",
        queries=[QUERY],
        breakdown="充电 | Charging | charging\n",
    )


def test_an_analyst_creates_a_collection_and_its_snapshot_is_made(client, people, private):
    expected = set(client.app.state.search.export_ids(QUERY, Filters()))
    assert len(expected) > 10
    one = api(client, people["a"], "GET", "/collections/a-secret").json()
    assert one["owner"] == "Coll Org A" and one["visibility"] == "private"
    assert one["latest"]["version"] == 1 and one["latest"]["members"] == len(expected)
    assert one["breakdown"][0]["name_en"] == "Charging" and one["editable"] is True
    members = api(client, people["a"], "GET", "/collections/a-secret/members?limit=500").json()
    assert members["total"] == len(expected)
    assert {m["id"] for m in members["items"]} == expected
    assert all(m["via"] == "1" and "title" in m for m in members["items"])
    snapshots = api(client, people["a"], "GET", "/collections/a-secret/snapshots").json()
    assert [s["version"] for s in snapshots["items"]] == [1]
    assert snapshots["items"][0]["queries"][0]["matches"] == len(expected)


def test_another_organisation_cannot_tell_a_private_collection_exists(
    client, people, private, login
):
    b = people["b"]
    listed = api(client, b, "GET", "/collections").json()
    assert "a-secret" not in {item["name"] for item in listed["items"]}
    for suffix in (
        "",
        "/snapshots",
        "/members",
        "/search?q=battery&facet=country",
        "/export?format=csv",
        "/export?q=battery&format=csv",
    ):
        hidden = api(client, b, "GET", f"/collections/a-secret{suffix}")
        unknown = api(client, b, "GET", f"/collections/no-such-thing{suffix}")
        assert hidden.status_code == unknown.status_code == 404, suffix
        assert hidden.json()["code"] == unknown.json()["code"] == "not_found"
        assert hidden.json()["message"].replace("a-secret", "?") == unknown.json()[
            "message"
        ].replace("no-such-thing", "?")
        assert "facets" not in hidden.json() and "items" not in hidden.json()
    for method, suffix, body in (
        ("PATCH", "", {"title": "mine now"}),
        ("DELETE", "", None),
        ("POST", "/refresh", None),
    ):
        hidden = api(client, b, method, f"/collections/a-secret{suffix}", json=body)
        assert hidden.status_code == 404, (method, suffix)
    # a refresh job sent straight to the jobs API fails as "no such collection"
    sneaky = api(
        client,
        b,
        "POST",
        "/jobs",
        json={"kind": "collection-refresh", "params": {"collection": "Coll Org A:a-secret"}},
    )
    assert sneaky.status_code == 202
    failed = wait_for(client, b, sneaky.json()["id"])
    assert failed["status"] == "failed" and failed["message"].startswith("no collection")
    # the pages: not listed, and a 404 like any unknown name
    login(client, b["email"], PASSWORD)
    page = client.get("/collections", params={"lang": "en"})
    assert page.status_code == 200 and "A 的秘密电池库" not in page.text
    assert client.get("/collections/a-secret").status_code == 404
    assert client.get("/collections/a-secret", params={"q": "battery"}).status_code == 404
    # anonymous: the same
    assert api(client, None, "GET", "/collections/a-secret").status_code == 404
    assert "a-secret" not in client.get("/api/v1/collections").text


def test_members_of_the_organisation_read_but_do_not_change(client, people, private):
    member = people["a_member"]
    assert api(client, member, "GET", "/collections/a-secret").json()["editable"] is False
    assert api(client, member, "PATCH", "/collections/a-secret", json={}).status_code == 403
    assert api(client, member, "POST", "/collections/a-secret/refresh").status_code == 403


def test_sharing_and_publishing(client, people, private, worker):
    a, b = people["a"], people["b"]
    shared = api(
        client,
        a,
        "PATCH",
        "/collections/a-secret",
        json={"visibility": "shared", "shared_with": ["Coll Org B"]},
    )
    assert shared.status_code == 200, shared.text
    try:
        seen = api(client, b, "GET", "/collections/a-secret").json()
        assert seen["shared_with"] == ["Coll Org B"] and seen["editable"] is False
        edit = api(client, b, "PATCH", "/collections/a-secret", json={"title": "ours"})
        assert edit.status_code == 403 and edit.json()["code"] == "forbidden"
        inside = api(client, b, "GET", "/collections/a-secret/search?q=battery&facet=country")
        assert inside.status_code == 200 and inside.json()["total"] > 0
        assert api(client, None, "GET", "/collections/a-secret").status_code == 404
        api(client, a, "PATCH", "/collections/a-secret", json={"visibility": "public"})
        assert api(client, None, "GET", "/collections/a-secret").status_code == 200
        names = {item["name"] for item in client.get("/api/v1/collections").json()["items"]}
        assert "a-secret" in names
    finally:
        back = api(client, a, "PATCH", "/collections/a-secret", json={"visibility": "private"})
        assert back.status_code == 200
    assert api(client, b, "GET", "/collections/a-secret").status_code == 404


def test_search_facets_and_export_stay_inside_the_collection(client, people, private):
    a = people["a"]
    members = api(client, a, "GET", "/collections/a-secret/members?limit=500").json()
    ids = {m["id"] for m in members["items"]}
    found = api(
        client, a, "GET", "/collections/a-secret/search?q=device&top=100&facet=country&mode=lexical"
    ).json()
    inside = ids & set(client.app.state.search.export_ids("device", Filters()))
    assert found["total"] == len(inside) > 0
    assert {item["id"] for item in found["items"]} == inside
    counted: dict[str, int] = {}
    for record in client.app.state.store.get_many(sorted(inside)):
        counted[record.country] = counted.get(record.country, 0) + 1
    assert {f["value"]: f["count"] for f in found["facets"]["country"]} == counted
    export = api(client, a, "GET", "/collections/a-secret/export?format=csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    column = rows[0].index("记录号 / Record ID")
    assert {row[column] for row in rows[1:]} == ids


def test_the_pages_create_show_and_search_in_both_languages(client, people, login, csrf, worker):
    login(client, people["a"]["email"], PASSWORD)
    form = client.get("/collections", params={"lang": "zh"})
    assert form.status_code == 200 and "新建专题数据库" in form.text and "专题数据库" in form.text
    made = client.post(
        "/collections",
        data={
            "csrf_token": csrf(client, "/collections"),
            "name": "膜法水处理",
            "title": "Membrane batteries",
            "queries": "battery\nTA=(portable AND device)",
            "breakdown": "电池 | Batteries | battery\n  便携 | Portable | portable\n",
            "visibility": "private",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    location = made.headers["location"]
    assert location.startswith("/collections/%E8%86%9C") and "job=" in location
    job_id = location.split("job=")[1]
    assert wait_for(client, people["a"], job_id)["status"] == "done"
    zh = client.get(f"{location}&lang=zh")
    assert zh.status_code == 200
    assert "技术分解表" in zh.text and "快照" in zh.text and "便携" in zh.text
    assert f'href="/jobs/{job_id}"' in zh.text
    en = client.get("/collections/膜法水处理", params={"lang": "en"})
    assert "Technology breakdown" in en.text and "Members of snapshot 1" in en.text
    assert "Portable" in en.text and "Refresh: take a new snapshot" in en.text
    inside = client.get("/collections/膜法水处理", params={"q": "charging", "lang": "en"})
    assert inside.status_code == 200 and 'class="hit"' in inside.text
    listed = client.get("/collections", params={"lang": "en"})
    assert "Membrane batteries" in listed.text and "Thematic databases" in listed.text
    # change the definition and exclude a member through the forms
    token = csrf(client, "/collections")
    first = client.get(
        "/api/v1/collections/膜法水处理/members", headers={"Authorization": people["a"]["auth"]}
    ).json()["items"][0]["id"]
    edited = client.post(
        "/collections/膜法水处理/edit",
        data={
            "csrf_token": token,
            "title": "膜与电池",
            "queries": "battery\nTA=(portable AND device)",
            "breakdown": "电池 | Batteries | battery\n",
            "visibility": "public",
            "share_with": "",
        },
        follow_redirects=False,
    )
    assert edited.status_code == 303, edited.text
    excluded = client.post(
        "/collections/膜法水处理/manual",
        data={"csrf_token": token, "ids": first, "action": "exclude", "note": "off topic"},
        follow_redirects=False,
    )
    assert excluded.status_code == 303, excluded.text
    now = api(client, None, "GET", "/collections/Coll Org A:膜法水处理").json()  # public now
    assert now["title"] == "膜与电池" and now["excludes"] == [first]
    assert [b["name_en"] for b in now["breakdown"]] == ["Batteries"]
    # refresh from the page, then delete
    refreshed = client.post(
        "/collections/膜法水处理/refresh",
        data={"csrf_token": csrf(client, "/collections"), "note": "again"},
        follow_redirects=False,
    )
    assert refreshed.status_code == 303
    job = wait_for(client, people["a"], refreshed.headers["location"].split("job=")[1])
    assert job["result"]["version"] == 2
    latest = api(client, people["a"], "GET", "/collections/膜法水处理/members?limit=500").json()
    assert latest["snapshot"] == 2 and first not in {m["id"] for m in latest["items"]}
    gone = client.post(
        "/collections/膜法水处理/delete",
        data={"csrf_token": csrf(client, "/collections")},
        follow_redirects=False,
    )
    assert gone.status_code == 303 and client.get("/collections/膜法水处理").status_code == 404


def test_api_errors_have_codes(client, people, private):
    a = people["a"]
    taken = api(client, a, "POST", "/collections", json={"name": "a-secret", "queries": ["x"]})
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"
    bad_id = api(client, a, "PATCH", "/collections/a-secret", json={"include": ["NOPE-1"]})
    assert bad_id.status_code == 400 and bad_id.json()["code"] == "unknown_patent"
    assert "NOPE-1" in bad_id.json()["message"]
    bad_tree = api(
        client, a, "PATCH", "/collections/a-secret", json={"breakdown": "A\n    B\n  C\n"}
    )
    assert bad_tree.status_code == 400 and bad_tree.json()["code"] == "invalid_breakdown"
    bad_query = api(client, a, "POST", "/collections", json={"name": "q", "queries": ["TA=(a"]})
    assert bad_query.status_code == 400 and bad_query.json()["code"] == "query_syntax"
    member = api(client, people["a_member"], "POST", "/collections", json={"name": "m"})
    assert member.status_code == 403


def test_the_general_search_and_export_take_collection_as_a_scope(client, people, private, login):
    a, b = people["a"], people["b"]
    members = api(client, a, "GET", "/collections/a-secret/members?limit=500").json()
    ids = {m["id"] for m in members["items"]}
    params = {"q": "device", "mode": "lexical", "top": 100, "collection": "a-secret"}
    found = api(client, a, "GET", "/search", params=params).json()
    inside = ids & set(client.app.state.search.export_ids("device", Filters()))
    assert found["total"] == len(inside) > 0
    assert {item["id"] for item in found["items"]} == inside
    export = api(client, a, "GET", "/export", params={**params, "format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert export.status_code == 200, export.text
    column = next(i for i, name in enumerate(rows[0]) if "Record ID" in name or "记录号" in name)
    assert {row[column] for row in rows[1:]} == inside
    # another organisation: the same answer as for a name that does not exist
    hidden = api(client, b, "GET", "/search", params=params)
    unknown = api(client, b, "GET", "/search", params={**params, "collection": "no-such-db"})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["code"] == unknown.json()["code"] == "not_found"
    assert hidden.json()["message"].replace("a-secret", "X") == unknown.json()["message"].replace(
        "no-such-db", "X"
    )
    assert api(client, b, "GET", "/export", params={**params, "format": "csv"}).status_code == 404
    # the results page keeps the scope in its links and says so
    login(client, a["email"], PASSWORD)
    page = client.get("/search", params={"q": "device", "collection": "a-secret", "lang": "en"})
    assert page.status_code == 200
    assert "Inside the thematic database a-secret" in page.text
    assert "collection=a-secret" in page.text
