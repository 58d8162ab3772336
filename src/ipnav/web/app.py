"""The application factory: opens the store and the indexes once, mounts the routers.

``create_app(settings)`` builds a FastAPI app; the store, the search service and
the classification scheme are opened in its lifespan and kept on ``app.state``
(never per request, never at import). Errors are mapped to statuses and stable
codes in one place (:mod:`ipnav.web.errors`): JSON under ``/api``, an error page
elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from ipnav import __version__
from ipnav.errors import IpnavError
from ipnav.settings import Settings
from ipnav.web import admin, api_patents, api_search, auth, docs, patents, prior_art, search
from ipnav.web import api_collections as collection_api
from ipnav.web import collections as collection_routes
from ipnav.web import export as export_routes
from ipnav.web import jobs as jobs_routes
from ipnav.web import saved as saved_routes
from ipnav.web import static_vendor as vendor_routes
from ipnav.web.cookies import SecureCookies
from ipnav.web.errors import HTTP_CODES, ErrorInfo, error_info
from ipnav.web.i18n import COOKIE, choose_language, normalise
from ipnav.web.openapi import with_error_bodies
from ipnav.web.render import Pages
from ipnav.web.security import RateLimiter, SecurityHeaders

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
API_PREFIX = "/api/"
SESSION_COOKIE = "ipnav_session"
SESSION_SECONDS = 8 * 3600  # a working day; the cookie is signed, not stored server-side
LOGIN_ATTEMPTS_PER_MINUTE = 10
#: Routes the framework adds, not declared through ``ipnav.web.deps.require``: all public.
FRAMEWORK_ROUTES = frozenset({"/static", "/api/v1/openapi.json"})


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from ipnav.accounts import Accounts
    from ipnav.model.schemes import load_scheme
    from ipnav.search.service import SearchService
    from ipnav.store.patents import PatentStore

    settings: Settings = app.state.settings
    store = PatentStore.open(settings)
    app.state.store = store
    app.state.accounts = Accounts(store.engine)
    app.state.search, app.state.search_error = None, None
    try:
        app.state.search = SearchService.open(settings, store)
    except IpnavError as exc:  # serve the pages that need no index; search says why not
        app.state.search_error = str(exc)
        log.warning("search unavailable: %s", exc)
    try:
        app.state.scheme = load_scheme(settings.sample_data)
    except IpnavError as exc:  # patents still show their symbols, without titles
        app.state.scheme = None
        log.warning("classification titles unavailable: %s", exc)
    try:
        yield
    finally:
        if app.state.search is not None:
            app.state.search.close()
        store.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ipnav web app over the data in ``settings.home`` (default: from the environment)."""
    app = FastAPI(
        title="ipnav",
        version=__version__,
        description="Patent search and IP public-service API (专利检索与知识产权公共服务).",
        lifespan=lifespan,
        docs_url=None,  # served by web/docs.py, with its own CSP
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.openapi = with_error_bodies(app.openapi)  # type: ignore[method-assign]
    settings = settings or Settings()
    app.state.settings = settings
    app.state.pages = Pages()
    app.state.login_limiter = RateLimiter(LOGIN_ATTEMPTS_PER_MINUTE, 60.0)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (search, patents, prior_art, auth, admin, api_search, api_patents, docs):
        app.include_router(module.router)
    app.include_router(auth.api_router)
    app.include_router(jobs_routes.router)  # background jobs: pages and /api/v1/jobs
    app.include_router(jobs_routes.api_router)
    for module in (export_routes, saved_routes):  # results-page exports, saved searches
        app.include_router(module.router)
        app.include_router(module.api_router)
    app.include_router(collection_routes.router)  # thematic databases: pages and API
    app.include_router(collection_api.api_router)
    app.include_router(vendor_routes.router)  # /vendor/plotly.min.js for the charts

    @app.middleware("http")
    async def language(request: Request, call_next) -> Response:
        asked = request.query_params.get("lang")
        request.state.lang = choose_language(
            asked, request.cookies.get(COOKIE), request.headers.get("accept-language")
        )
        request.state.lang_from_query = normalise(asked) is not None
        return await call_next(request)

    # Added last, so outermost: the headers are on every response, errors included.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=settings.secure_cookies,  # IPNAV_SECURE_COOKIES=1 behind TLS
    )
    if settings.secure_cookies:  # the language cookie and any other: see web/cookies.py
        app.add_middleware(SecureCookies)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(IpnavError)
    async def expected_error(request: Request, exc: IpnavError) -> Response:
        return _error_response(request, error_info(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail) if exc.status_code != 404 else "no such page or resource"
        return _error_response(request, ErrorInfo(exc.status_code, code, message))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for problem in exc.errors()[:5]:
            where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("query", "body"))
            parts.append(f"{where}: {problem.get('msg', 'invalid')}")
        message = "; ".join(parts) or "invalid request"
        return _error_response(request, ErrorInfo(422, "validation_error", message))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        info = ErrorInfo(500, "internal_error", "an unexpected error occurred; it was logged")
        return _error_response(request, info)

    return app


def _error_response(request: Request, info: ErrorInfo) -> Response:
    headers: dict[str, str] = {}
    if info.retry_after is not None:
        headers["Retry-After"] = str(info.retry_after)
    if request.url.path.startswith(API_PREFIX) or request.url.path == "/api":
        body = {"code": info.code, "message": info.message, "status": info.status}
        if info.position is not None:
            body["position"] = info.position
        if info.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(body, status_code=info.status, headers=headers)
    if info.code == "login_required":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    pages: Pages = request.app.state.pages
    if not hasattr(request.state, "lang"):
        request.state.lang = "zh"
    response = pages.render(request, "error.html", {"error": info}, status=info.status)
    response.headers.update(headers)
    return response


def walk_routes(app: FastAPI) -> Iterator[tuple[str, BaseRoute]]:
    """``(effective path, route)`` of every route, looking into included routers.

    FastAPI ≥ 0.16x keeps included routers as branches of ``app.routes``
    (``iter_route_contexts`` flattens them); older versions copy the routes in.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        for route in app.routes:
            yield getattr(route, "path", ""), route
        return
    for context in iter_route_contexts(app.routes):
        yield context.path or "", context.original_route
