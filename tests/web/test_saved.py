"""Saved searches: the results page form, `/saved`, `/api/v1/saved-searches`; owners only."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from ipnav.accounts import Role

PASSWORD = "saved searches 2026"


@pytest.fixture
def two_users(client):
    """Two fresh members (their own saved searches only), logged out."""
    import uuid

    accounts = client.app.state.accounts
    emails = [f"saver-{uuid.uuid4().hex[:8]}@example.org" for _ in range(2)]
    for email in emails:
        accounts.create_user(email, PASSWORD, role=Role.member)
    return emails


def _token(client, email: str) -> dict[str, str]:
    accounts = client.app.state.accounts
    secret, _ = accounts.create_token(accounts.user_by_email(email), "saved")
    return {"Authorization": f"Bearer {secret}"}


def _save_from_results_page(client, csrf, **params) -> str:
    """Submit the results page's save form as a browser would; returns the page's HTML."""
    page = client.get("/search", params=params)
    form = page.text.split('<form class="save-search"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    fields["name"] = "My battery search"
    saved = client.post("/saved", data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:300]
    return client.get(saved.headers["location"].split("#")[0]).text


def test_results_page_saves_the_search_with_its_filters_and_sort(client, login, csrf, two_users):
    anonymous = client.get("/search", params={"q": "battery"})
    assert 'class="save-search"' not in anonymous.text
    assert login(client, two_users[0], PASSWORD).status_code == 303
    listing = _save_from_results_page(
        client,
        csrf,
        q="battery",
        sort="publication-desc",
        country="US",
        mode="lexical",
        collapse="true",
        lang="en",
    )
    assert "My battery search" in listing and "<code>battery</code>" in listing
    run_link = re.search(r'href="(/saved/(\d+)/run)"', listing)
    assert run_link
    assert re.search(r"<td>never</td>", listing)  # not run yet
    ran = client.get(run_link.group(1), follow_redirects=False)
    assert ran.status_code == 303
    target = urlsplit(ran.headers["location"])
    assert target.path == "/search"
    assert parse_qs(target.query) == {
        "q": ["battery"],
        "mode": ["lexical"],
        "sort": ["publication-desc"],
        "collapse": ["true"],
        "country": ["US"],
    }
    results = client.get(ran.headers["location"])
    assert '<option value="publication-desc" selected>' in results.text
    assert "never" not in client.get("/saved").text.split("<table", 1)[1]


def test_rename_and_delete_from_the_list(client, login, csrf, two_users):
    login(client, two_users[0], PASSWORD)
    listing = _save_from_results_page(client, csrf, q="electrode", lang="en")
    search_id = re.search(r'id="saved-(\d+)"', listing).group(1)
    token = csrf(client, "/saved")
    renamed = client.post(
        f"/saved/{search_id}/rename",
        data={"csrf_token": token, "name": "Electrodes", "note": "for the report"},
        follow_redirects=False,
    )
    assert renamed.status_code == 303
    listing = client.get("/saved").text
    assert "Electrodes" in listing and "for the report" in listing
    no_csrf = client.post(f"/saved/{search_id}/delete", data={}, follow_redirects=False)
    assert no_csrf.status_code == 403
    gone = client.post(
        f"/saved/{search_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert f'id="saved-{search_id}"' not in client.get("/saved").text


def test_only_the_owner_sees_runs_renames_or_deletes(client, login, csrf, two_users):
    owner, other = two_users
    login(client, owner, PASSWORD)
    listing = _save_from_results_page(client, csrf, q="battery", lang="en")
    search_id = re.search(r'id="saved-(\d+)"', listing).group(1)

    login(client, other, PASSWORD)
    assert f'id="saved-{search_id}"' not in client.get("/saved").text
    assert client.get(f"/saved/{search_id}/run", follow_redirects=False).status_code == 404
    token = csrf(client, "/saved")
    for action in ("rename", "delete"):
        response = client.post(
            f"/saved/{search_id}/{action}", data={"csrf_token": token, "name": "mine now"}
        )
        assert response.status_code == 404, action
    headers = _token(client, other)
    assert client.delete(f"/api/v1/saved-searches/{search_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/saved-searches", headers=headers).json() == {"items": []}

    login(client, owner, PASSWORD)
    listing = client.get("/saved").text
    assert f'id="saved-{search_id}"' in listing and "mine now" not in listing


def test_api_lists_creates_and_deletes(client, two_users):
    headers = _token(client, two_users[0])
    body = {
        "name": "Recent US batteries",
        "query": "TA=battery",
        "params": {"sort": "filing-desc", "country": ["US"], "from": "2010"},
        "note": "weekly",
    }
    created = client.post("/api/v1/saved-searches", json=body, headers=headers)
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["params"] == body["params"] and item["note"] == "weekly"
    assert item["api"].startswith("/api/v1/search?q=TA%3Dbattery")
    results = client.get(item["api"]).json()
    assert results["sort"] == "filing-desc" and results["items"]
    assert all(hit["id"].startswith("US") for hit in results["items"])
    listed = client.get("/api/v1/saved-searches", headers=headers).json()["items"]
    assert [saved["id"] for saved in listed] == [item["id"]]
    gone = client.delete(f"/api/v1/saved-searches/{item['id']}", headers=headers)
    assert gone.status_code == 204
    again = client.delete(f"/api/v1/saved-searches/{item['id']}", headers=headers)
    assert again.status_code == 404 and again.json()["code"] == "not_found"
    assert client.get("/api/v1/saved-searches", headers=headers).json() == {"items": []}


def test_api_refuses_bad_searches_and_visitors(client, two_users):
    headers = _token(client, two_users[0])
    for params in ({"sort": "colour"}, {"colour": "red"}, {"from": "2020-13-01"}):
        bad = client.post(
            "/api/v1/saved-searches", json={"query": "battery", "params": params}, headers=headers
        )
        assert bad.status_code == 400, params
        assert bad.json()["code"] == "invalid_saved_search"
    empty = client.post("/api/v1/saved-searches", json={"query": ""}, headers=headers)
    assert empty.status_code == 422
    anonymous = client.get("/api/v1/saved-searches")
    assert anonymous.status_code == 401
    assert client.get("/saved", follow_redirects=False).headers["location"].startswith("/login")
