"""The application factory: opens the store and the indexes once, mounts the routers.

``create_app(settings)`` builds a FastAPI app; the store, the search service and
the classification scheme are opened in its lifespan and kept on ``app.state``
(never per request, never at import). Errors are mapped to statuses and stable
codes in one place (:mod:`ipnav.web.errors`): JSON under ``/api``, an error page
elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ipnav import __version__
from ipnav.errors import IpnavError
from ipnav.settings import Settings
from ipnav.web import api_patents, api_search, patents, prior_art, search
from ipnav.web.errors import HTTP_CODES, ErrorInfo, error_info
from ipnav.web.i18n import COOKIE, choose_language, normalise
from ipnav.web.render import Pages

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
API_PREFIX = "/api/"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from ipnav.model.schemes import load_scheme
    from ipnav.search.service import SearchService
    from ipnav.store.patents import PatentStore

    settings: Settings = app.state.settings
    store = PatentStore.open(settings)
    app.state.store = store
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
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings or Settings()
    app.state.pages = Pages()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (search, patents, prior_art, api_search, api_patents):
        app.include_router(module.router)

    @app.middleware("http")
    async def language(request: Request, call_next) -> Response:
        asked = request.query_params.get("lang")
        request.state.lang = choose_language(
            asked, request.cookies.get(COOKIE), request.headers.get("accept-language")
        )
        request.state.lang_from_query = normalise(asked) is not None
        return await call_next(request)

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
    if request.url.path.startswith(API_PREFIX) or request.url.path == "/api":
        body = {"code": info.code, "message": info.message, "status": info.status}
        if info.position is not None:
            body["position"] = info.position
        return JSONResponse(body, status_code=info.status)
    pages: Pages = request.app.state.pages
    if not hasattr(request.state, "lang"):
        request.state.lang = "zh"
    return pages.render(request, "error.html", {"error": info}, status=info.status)
