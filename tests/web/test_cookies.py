"""IPNAV_SECURE_COOKIES: the session and language cookies are Secure over HTTPS, not by default."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ipnav.web import create_app
from ipnav.web.app import SESSION_COOKIE
from ipnav.web.cookies import with_secure
from ipnav.web.i18n import COOKIE

from .conftest import PASSWORD, csrf


def set_cookies(response) -> dict[str, list[str]]:
    """Cookie name -> its attributes (lower-cased), from each Set-Cookie header."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0].strip()
        found[name] = [part.strip().lower() for part in header.split(";")[1:]]
    return found


def log_in(client, email: str):
    token = csrf(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture(scope="module")
def https_client(web_settings, users):
    """The app with IPNAV_SECURE_COOKIES on, reached over https:// as behind a TLS proxy."""
    settings = web_settings.model_copy(update={"secure_cookies": True})
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


def test_cookies_are_not_secure_by_default(client, users):
    assert client.app.state.settings.secure_cookies is False
    done = log_in(client, users["member"])
    assert done.status_code == 303
    cookies = set_cookies(done)
    assert "secure" not in cookies[SESSION_COOKIE] and "secure" not in cookies[COOKIE]
    assert "httponly" in cookies[SESSION_COOKIE] and "samesite=lax" in cookies[SESSION_COOKIE]
    page = client.get("/", params={"lang": "en"})
    assert "secure" not in set_cookies(page)[COOKIE]


def test_secure_cookies_setting_marks_session_and_language_cookies(https_client, users):
    https_client.cookies.clear()
    first = https_client.get("/login")  # the session cookie that carries the CSRF token
    assert "secure" in set_cookies(first)[SESSION_COOKIE]
    done = log_in(https_client, users["analyst"])
    assert done.status_code == 303, done.text[:300]
    cookies = set_cookies(done)
    for name in (SESSION_COOKIE, COOKIE):
        assert "secure" in cookies[name], (name, cookies[name])
        assert "httponly" in cookies[name] and "samesite=lax" in cookies[name]
    # over HTTPS the browser sends them back: the session works
    profile = https_client.get("/profile")
    assert profile.status_code == 200 and users["analyst"] in profile.text
    english = https_client.get("/", params={"lang": "en"})
    assert "secure" in set_cookies(english)[COOKIE]


def test_secure_attribute_added_once():
    assert with_secure(b"lang=en; Path=/") == b"lang=en; Path=/; Secure"
    assert with_secure(b"s=1; path=/; secure; samesite=lax") == b"s=1; path=/; secure; samesite=lax"
    assert with_secure(b"s=secure; Path=/") == b"s=secure; Path=/; Secure"  # a value is no flag
