"""Logging in and out, lock-out, CSRF, security headers, audit entries and API tokens."""

from __future__ import annotations

import itertools

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from ipnav.accounts import Role
from ipnav.store.schema import app_user
from ipnav.web.app import walk_routes

PASSWORD = "test password 2026"
_serial = itertools.count()


@pytest.fixture
def fresh_user(client):
    """A new member, so that lock-outs and password changes touch no other test."""
    email = f"fresh{next(_serial)}@example.org"
    client.app.state.accounts.create_user(email, PASSWORD, name="Fresh", language="en")
    return email


def test_password_is_stored_hashed_with_argon2(client, fresh_user):
    with client.app.state.store.engine.connect() as conn:
        stored = conn.execute(
            select(app_user.c.password_hash).where(app_user.c.email == fresh_user)
        ).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_login_logout_round_trip(client, fresh_user, login, csrf):
    assert (
        client.get("/profile", follow_redirects=False)
        .headers["location"]
        .startswith("/login?next=%2Fprofile")
    )
    done = login(client, fresh_user)
    assert done.status_code == 303 and done.headers["location"] == "/"
    cookie = done.headers["set-cookie"].lower()
    assert "ipnav_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    profile = client.get("/profile")
    assert profile.status_code == 200 and fresh_user in profile.text
    assert "Log out" in profile.text  # the user's language (en) was set on login
    out = client.post(
        "/logout", data={"csrf_token": csrf(client, "/profile")}, follow_redirects=False
    )
    assert out.status_code == 303
    assert client.get("/profile", follow_redirects=False).status_code == 303


def test_login_goes_back_only_to_a_local_page(client, fresh_user, csrf):
    for target, expected in (
        ("/search?q=x", "/search?q=x"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
    ):
        client.cookies.clear()
        token = csrf(client, "/login")
        done = client.post(
            "/login",
            data={"email": fresh_user, "password": PASSWORD, "next": target, "csrf_token": token},
            follow_redirects=False,
        )
        assert done.headers["location"] == expected


def test_wrong_password_locks_the_account_after_five(client, fresh_user, login):
    for _ in range(5):
        wrong = login(client, fresh_user, "wrong password 9")
        assert wrong.status_code == 401 and "<form" in wrong.text
    locked = login(client, fresh_user, PASSWORD)
    assert locked.status_code == 403 and "UTC" in locked.text
    actions = [e.action for e in client.app.state.accounts.audit_log(limit=10)[1]]
    assert "user.lock" in actions and actions[0] == "login.locked"


def test_login_is_rate_limited_per_address(client, fresh_user, login):
    statuses = [login(client, "nobody@example.org", "x").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    limited = login(client, fresh_user)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_login_and_role_change_are_audited(client, fresh_user, login):
    accounts = client.app.state.accounts
    login(client, fresh_user)
    accounts.set_role(fresh_user, Role.analyst, actor="sys-admin@example.org")
    entries = accounts.audit_log(limit=5)[1]
    assert (entries[0].action, entries[0].target, entries[0].details) == (
        "user.role",
        fresh_user,
        {"from": "member", "to": "analyst"},
    )
    assert entries[1].action == "login" and entries[1].actor == fresh_user


def post_form_routes(app) -> list[str]:
    return [
        path
        for path, r in walk_routes(app)
        if isinstance(r, APIRoute) and "POST" in r.methods and not path.startswith("/api/")
    ]


def test_every_post_form_refuses_a_missing_or_wrong_csrf_token(client, users, login):
    paths = post_form_routes(client.app)
    assert {"/prior-art", "/login", "/logout", "/profile/password", "/profile/tokens"} <= set(paths)
    login(client, users["system_admin"])
    for path in paths:
        url = path.replace("{token_id}", "1")
        for data in ({}, {"csrf_token": "forged"}):
            refused = client.post(url, data=data, follow_redirects=False)
            assert refused.status_code == 403, (path, data, refused.status_code)
            assert "csrf_failed" in refused.text
    assert client.get("/profile").status_code == 200  # still logged in: logout was refused


@pytest.mark.parametrize("path", ["/", "/login", "/no/such/page", "/api/v1/search?q=x"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_api_docs_allow_their_one_inline_script_by_hash(client):
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    csp = docs.headers["content-security-policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp


def test_api_token_from_the_profile_page(client, fresh_user, login, csrf):
    login(client, fresh_user)
    page = client.post(
        "/profile/tokens", data={"name": "script", "csrf_token": csrf(client, "/profile")}
    )
    assert page.status_code == 200
    import re

    secret = re.search(r'<code class="token">(ipn_[^<]+)</code>', page.text).group(1)
    client.cookies.clear()
    assert client.get("/api/v1/me").status_code == 401
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["email"] == fresh_user
    assert me.json()["role"] == "member"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer ipn_forged"})
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_token"
    odd = client.get("/api/v1/search?q=x", headers={"Authorization": "Basic abc"})
    assert odd.status_code == 401 and odd.json()["code"] == "invalid_token"


def test_api_ignores_the_session_cookie(client, users, login):
    login(client, users["system_admin"])
    assert client.get("/api/v1/me").status_code == 401


def test_password_change_ends_other_sessions(client, fresh_user, login, csrf):
    from fastapi.testclient import TestClient

    login(client, fresh_user)
    other = TestClient(client.app)
    other.cookies.update(client.cookies)
    assert other.get("/profile").status_code == 200
    changed = client.post(
        "/profile/password",
        data={
            "current": PASSWORD,
            "new": "brand new pass 1",
            "csrf_token": csrf(client, "/profile"),
        },
    )
    assert changed.status_code == 200
    assert client.get("/profile").status_code == 200
    assert other.get("/profile", follow_redirects=False).status_code == 303
    weak = client.post(
        "/profile/password",
        data={
            "current": "brand new pass 1",
            "new": "short",
            "csrf_token": csrf(client, "/profile"),
        },
    )
    assert weak.status_code == 400 and "10 characters" in weak.text


def test_tampered_session_cookie_is_anonymous_not_an_error(client, fresh_user, login):
    login(client, fresh_user)
    value = client.cookies.get("ipnav_session")
    client.cookies.set("ipnav_session", value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB"))
    page = client.get("/profile", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    client.cookies.set("ipnav_session", "garbage")
    assert client.get("/").status_code == 200


def test_language_choice_is_remembered_per_user(client, fresh_user, login):
    accounts = client.app.state.accounts
    login(client, fresh_user)
    assert client.get("/", params={"lang": "zh"}).status_code == 200
    assert accounts.user_by_email(fresh_user).language == "zh"
    again = login(client, fresh_user)
    assert "lang=zh" in again.headers["set-cookie"]


def test_institution_admin_changes_roles_within_their_institution(client, users, login, csrf):
    accounts = client.app.state.accounts
    n = next(_serial)
    ours, theirs = f"ours{n}@example.org", f"theirs{n}@example.org"
    accounts.create_user(ours, PASSWORD, organisation="Test TISC")
    accounts.create_user(
        theirs, PASSWORD, organisation="Other University", organisation_kind="university"
    )
    login(client, users["institution_admin"])
    listing = client.get("/admin/users")
    assert listing.status_code == 200 and ours in listing.text and theirs not in listing.text

    def assign(email, role):
        token = csrf(client, "/admin/users")
        data = {"email": email, "role": role, "csrf_token": token}
        return client.post("/admin/users/role", data=data, follow_redirects=False)

    assert assign(ours, "analyst").status_code == 303
    assert accounts.user_by_email(ours).role is Role.analyst
    entry = accounts.audit_log(action="user.role", limit=1)[1][0]
    assert (entry.actor, entry.target) == (users["institution_admin"], ours)
    assert assign(ours, "system_admin").status_code == 403  # above their own role
    assert assign(theirs, "analyst").status_code == 403  # another institution
    assert assign(ours, "emperor").status_code == 400
    login(client, users["system_admin"])
    assert theirs in client.get("/admin/users").text
    assert assign(theirs, "provincial_admin").status_code == 303
