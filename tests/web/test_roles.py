"""Every route of the app × every role: the declared least role is enforced, never a 500."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from ipnav.accounts import Role
from ipnav.web.app import FRAMEWORK_ROUTES, walk_routes
from ipnav.web.deps import Require

ROLES = ["anonymous", "member", "analyst", "institution_admin", "system_admin"]


def declared_role(path: str, route: APIRoute) -> Role:
    found = [d.call.min_role for d in route.dependant.dependencies if isinstance(d.call, Require)]
    assert len(found) == 1, f"{path} declares {len(found)} least roles; use one of deps.Public …"
    return found[0]


def app_routes(app) -> list[tuple[str, str, Role]]:
    """(method, path, least role) of every route; logout last, since it ends the session."""
    walked = []
    for path, route in walk_routes(app):
        if not isinstance(route, APIRoute):
            assert path in FRAMEWORK_ROUTES, f"{path} is not a declared route"
            continue
        role = declared_role(path, route)
        for method in sorted(route.methods - {"HEAD"}):
            walked.append((method, path, role))
    return sorted(walked, key=lambda r: r[1] == "/logout")


def test_every_route_declares_a_least_role(client):
    routes = app_routes(client.app)
    assert len(routes) >= 15
    assert ("GET", "/admin/audit", Role.institution_admin) in routes
    assert ("GET", "/profile", Role.member) in routes
    assert ("GET", "/", Role.anonymous) in routes
    # background jobs: exports for analysts, index builds for system admins, viewing for members
    assert ("POST", "/jobs/export", Role.analyst) in routes
    assert ("POST", "/jobs/index", Role.system_admin) in routes
    assert ("POST", "/api/v1/jobs", Role.analyst) in routes
    assert ("GET", "/api/v1/jobs/{job_id}/download", Role.member) in routes
    assert ("GET", "/jobs", Role.member) in routes
    # exports are public (capped for visitors); saved searches belong to logged-in users
    assert ("GET", "/api/v1/export", Role.anonymous) in routes
    assert ("GET", "/search/export", Role.anonymous) in routes
    assert ("GET", "/saved", Role.member) in routes
    assert ("POST", "/saved/{search_id}/delete", Role.member) in routes
    assert ("DELETE", "/api/v1/saved-searches/{search_id}", Role.member) in routes
    # thematic databases: anyone reads what they may see, analysts change their own
    assert ("GET", "/collections", Role.anonymous) in routes
    assert ("GET", "/collections/{collection}", Role.anonymous) in routes
    assert ("POST", "/collections", Role.analyst) in routes
    assert ("POST", "/collections/{collection}/refresh", Role.analyst) in routes
    assert ("GET", "/api/v1/collections/{collection}/members", Role.anonymous) in routes
    assert ("PATCH", "/api/v1/collections/{collection}", Role.analyst) in routes
    assert ("DELETE", "/api/v1/collections/{collection}", Role.analyst) in routes
    # the charts' Plotly.js bundle, served from the plotly package (no CDN)
    assert ("GET", "/vendor/plotly.min.js", Role.anonymous) in routes


def _concrete(path: str, patent_id: str) -> str:
    path = path.replace("{job_id}", "0" * 32)  # no such job: 404 for whoever may ask
    path = path.replace("{search_id}", "999999")  # no such saved search: 404 likewise
    path = path.replace("{collection}", "no-such-collection")  # 404 likewise
    return path.replace("{number:path}", patent_id).replace("{token_id}", "999999")


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, users, login, csrf, records, role):
    bearer: dict[str, str] = {}  # the API takes tokens, the pages the session
    if role != "anonymous":
        assert login(client, users[role]).status_code == 303
        accounts = client.app.state.accounts
        secret, _ = accounts.create_token(accounts.user_by_email(users[role]), "matrix")
        bearer = {"Authorization": f"Bearer {secret}"}
    me = Role[role]
    for method, path, least in app_routes(client.app):
        url = _concrete(path, records[0].id)
        api = path.startswith("/api/")
        if method == "GET":
            response = client.get(url, follow_redirects=False, headers=bearer if api else {})
        elif method == "DELETE":
            response = client.delete(url, follow_redirects=False, headers=bearer if api else {})
        elif method == "PATCH":
            response = client.patch(url, json={}, headers=bearer)
        elif api:
            response = client.post(url, json={"text": "membrane bioreactor"}, headers=bearer)
        else:
            response = client.post(
                url, data={"csrf_token": csrf(client, "/prior-art")}, follow_redirects=False
            )
        where = f"{role} {method} {path} -> {response.status_code}"
        assert response.status_code < 500, where
        to_login = response.status_code == 303 and response.headers["location"].startswith("/login")
        if me < least:
            if role == "anonymous" and api:
                assert response.status_code == 401, where
                assert response.headers["www-authenticate"] == "Bearer", where
            elif role == "anonymous":
                assert to_login, where
            else:
                assert response.status_code == 403, where
        else:
            assert response.status_code != 403 and not to_login, where
            if api:
                assert response.status_code != 401, where


def test_member_gets_403_on_the_admin_page_and_admin_sees_the_log(client, users, login):
    login(client, users["member"])
    page = client.get("/admin/audit")
    assert page.status_code == 403 and "institution_admin" in page.text
    login(client, users["institution_admin"])
    page = client.get("/admin/audit", params={"lang": "en"})
    assert page.status_code == 200 and "Audit log" in page.text and "login" in page.text
