"""Logging in and out, the profile page (password, API tokens) and ``/api/v1/me``.

A thin shell over :class:`ipnav.accounts.Accounts`: the session cookie (signed by
Starlette's ``SessionMiddleware``, ``HttpOnly``, ``SameSite=Lax``) holds only the
user's id, a stamp of the password hash (a new password voids old sessions) and
the CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ipnav.accounts import AccountLocked, InvalidCredentials, InvalidToken, WeakPassword
from ipnav.web.deps import (
    SESSION_STAMP,
    SESSION_USER,
    AccountsDep,
    Csrf,
    Member,
    PagesDep,
    Public,
)
from ipnav.web.errors import NotFound
from ipnav.web.i18n import COOKIE
from ipnav.web.params import RowId
from ipnav.web.security import csrf_token

router = APIRouter(tags=["pages"], include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["account"])


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (another site) becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: Public, pages: PagesDep, next: str = "/") -> Response:
    if not user.anonymous:
        return RedirectResponse(safe_next(next), status_code=303)
    csrf_token(request)
    return pages.render(request, "login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    user: Public,
    _csrf: Csrf,
    pages: PagesDep,
    accounts: AccountsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    request.app.state.login_limiter.hit(_client(request))
    context: dict[str, Any] = {"next": safe_next(next), "email": email}
    try:
        found = accounts.authenticate(email, password, source=_client(request))
    except AccountLocked as exc:
        context |= {"problem": "locked", "until": exc.until}
        return pages.render(request, "login.html", context, status=403)
    except InvalidCredentials:
        context["problem"] = "wrong"
        return pages.render(request, "login.html", context, status=401)
    request.session.clear()  # a fresh session: no fixation, a new CSRF token
    request.session[SESSION_USER] = found.id
    request.session[SESSION_STAMP] = found.stamp
    csrf_token(request)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, found.language, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
    )
    return response


@router.post("/logout")
def logout(request: Request, user: Member, _csrf: Csrf, accounts: AccountsDep) -> Response:
    accounts.record("logout", actor=user.email, target=user.email)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


def _profile(
    request: Request, pages: PagesDep, accounts: AccountsDep, status: int = 200, **extra: Any
) -> HTMLResponse:
    user = request.state.user
    context = {"tokens": accounts.tokens(user)} | extra
    return pages.render(request, "profile.html", context, status=status)


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request, user: Member, pages: PagesDep, accounts: AccountsDep) -> Response:
    return _profile(request, pages, accounts)


@router.post("/profile/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    user: Member,
    _csrf: Csrf,
    pages: PagesDep,
    accounts: AccountsDep,
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        changed = accounts.change_password(user, current, new)
    except InvalidCredentials:
        return _profile(request, pages, accounts, 400, problem="wrong_password")
    except WeakPassword as exc:
        return _profile(request, pages, accounts, 400, problem="weak", detail=str(exc))
    request.session[SESSION_STAMP] = changed.stamp  # this session stays, the others end
    request.state.user = changed
    return _profile(request, pages, accounts, done="password")


@router.post("/profile/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    user: Member,
    _csrf: Csrf,
    pages: PagesDep,
    accounts: AccountsDep,
    name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    secret, _token = accounts.create_token(user, name)
    return _profile(request, pages, accounts, new_token=secret)


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: RowId, user: Member, _csrf: Csrf, accounts: AccountsDep
) -> Response:
    try:
        accounts.revoke_token(user, token_id)
    except InvalidToken as exc:
        raise NotFound(str(exc)) from None
    return RedirectResponse("/profile", status_code=303)


@api_router.get("/me")
def me(user: Member) -> dict[str, Any]:
    """Who the token belongs to (a quick check that a token works)."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.name,
        "organisation": user.organisation,
        "organisation_kind": user.organisation_kind,
        "language": user.language,
    }
