"""What a route gets from the app: the opened core objects and the current user.

Every route declares the least role that may use it by asking for one of
:data:`Public`, :data:`Member`, :data:`Analyst`, :data:`InstitutionAdmin`,
:data:`ProvincialAdmin` or :data:`SystemAdmin` (all made by :func:`require`);
``tests/web/test_roles.py`` walks every route × role and fails on a route that
declares none.

Who is asking: pages are authenticated by the signed session cookie, the API
(``/api/…``) only by ``Authorization: Bearer <token>`` — so a cross-site page can
never act through the API with a visitor's cookie, and the API needs no CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ipnav.accounts import ANONYMOUS, Accounts, Role, User
from ipnav.search.prior_art import PriorArtSearch
from ipnav.search.service import SearchService
from ipnav.store.patents import PatentStore
from ipnav.web.errors import ServiceUnavailable, WebError
from ipnav.web.i18n import normalise
from ipnav.web.render import Pages
from ipnav.web.security import Forbidden, check_csrf

API_PREFIX = "/api/"
SESSION_USER = "uid"
SESSION_STAMP = "stamp"

__all__ = ["ANONYMOUS", "User"]


class LoginRequired(WebError):
    """No one is logged in (pages redirect to the login page; the API answers 401)."""

    status = 401
    code = "login_required"


def accounts(request: Request) -> Accounts:
    return request.app.state.accounts


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WebError(
            "the Authorization header must be `Bearer <token>`; create a token on your "
            "profile page or with `ipnav user token`",
            status=401,
            code="invalid_token",
        )
    return token.strip()


def current_user(request: Request) -> User:
    """The user of this request (once per request), else :data:`ANONYMOUS`."""
    known = getattr(request.state, "user", None)
    if known is not None:
        return known
    user = ANONYMOUS
    store: Accounts = request.app.state.accounts
    if request.url.path.startswith(API_PREFIX):
        token = _bearer(request)
        if token is not None:
            from ipnav.accounts import InvalidToken

            try:
                user = store.user_for_token(token)
            except InvalidToken as exc:
                raise WebError(str(exc), status=401, code="invalid_token") from None
    elif "session" in request.scope and SESSION_USER in request.session:
        found = store.user_by_id(request.session[SESSION_USER])
        if found is not None and found.stamp == request.session.get(SESSION_STAMP):
            user = found
        else:  # deleted user or changed password: the session is void
            request.session.clear()
    request.state.user = user
    return user


class Require:
    """Dependency: the current user, who must have at least ``min_role``."""

    def __init__(self, min_role: Role):
        self.min_role = min_role

    def __call__(self, request: Request) -> User:
        user = current_user(request)
        if user.role < self.min_role:
            if user.anonymous:
                raise LoginRequired(f"please log in; this needs the role {self.min_role.name}")
            raise Forbidden(
                f"this needs the role {self.min_role.name} or higher; you are {user.role.name}"
            )
        lang = getattr(request.state, "lang", None)
        if not user.anonymous and lang:
            if getattr(request.state, "lang_from_query", False):
                request.app.state.accounts.set_language(user, lang)  # remembered per user
            else:  # the saved language comes before the cookie and the browser's
                request.state.lang = normalise(user.language) or lang
        return user

    def __repr__(self) -> str:
        return f"Require({self.min_role.name})"


def require(min_role: Role) -> Require:
    return Require(min_role)


def store(request: Request) -> PatentStore:
    return request.app.state.store


def search_service(request: Request) -> SearchService:
    service = request.app.state.search
    if service is None:
        raise ServiceUnavailable(
            f"search is not available: {request.app.state.search_error} "
            "(build the indexes with `ipnav index`)",
            code="index_missing",
        )
    return service


def prior_art_search(service: Annotated[SearchService, Depends(search_service)]) -> PriorArtSearch:
    return PriorArtSearch(service)


def pages(request: Request) -> Pages:
    return request.app.state.pages


Public = Annotated[User, Depends(require(Role.anonymous))]
Member = Annotated[User, Depends(require(Role.member))]
Analyst = Annotated[User, Depends(require(Role.analyst))]
InstitutionAdmin = Annotated[User, Depends(require(Role.institution_admin))]
ProvincialAdmin = Annotated[User, Depends(require(Role.provincial_admin))]
SystemAdmin = Annotated[User, Depends(require(Role.system_admin))]
#: Kept for routers written before roles: the public role.
CurrentUser = Public
#: Dependency of every POST form route (declare it after the user).
Csrf = Annotated[None, Depends(check_csrf)]
AccountsDep = Annotated[Accounts, Depends(accounts)]
Store = Annotated[PatentStore, Depends(store)]
Search = Annotated[SearchService, Depends(search_service)]
PriorArt = Annotated[PriorArtSearch, Depends(prior_art_search)]
PagesDep = Annotated[Pages, Depends(pages)]
