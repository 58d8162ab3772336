"""Server-rendered pages: one Jinja2 environment per language, with Babel formatting.

An environment per language (rather than one whose translations are swapped per
request) keeps rendering thread-safe under the thread pool that runs the routes.
Templates autoescape; the only HTML that is marked safe is the highlight markup
the core builds from escaped text (:func:`ipnav.search.explain.match_terms`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ipnav import __version__
from ipnav.accounts import ANONYMOUS, Role
from ipnav.web.i18n import COOKIE, LANGUAGES, babel_locale, load_translations
from ipnav.web.security import csrf_token

TEMPLATE_DIR = Path(__file__).parent / "templates"


def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(load_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    locale = babel_locale(lang)

    def number(value: int | float | None) -> str:
        return "" if value is None else format_decimal(value, locale=locale)

    def date(value: dt.date | None, fmt: str = "medium") -> str:
        return "" if value is None else format_date(value, format=fmt, locale=locale)

    env.filters["number"] = number
    env.filters["date"] = date
    env.globals.update(lang=lang, languages=list(LANGUAGES), version=__version__, roles=Role)
    return env


class Pages:
    """Renders templates in the request's language."""

    def __init__(self) -> None:
        self.environments = {lang: _environment(lang) for lang in LANGUAGES}

    def render(
        self, request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
    ) -> HTMLResponse:
        lang = getattr(request.state, "lang", "zh")
        template = self.environments[lang].get_template(name)
        html = template.render(
            request=request,
            user=getattr(request.state, "user", None) or ANONYMOUS,
            csrf_token=lambda: csrf_token(request),
            here=lambda **changes: link(request, **changes),
            **(context or {}),
        )
        response = HTMLResponse(html, status_code=status)
        if getattr(request.state, "lang_from_query", False):
            response.set_cookie(
                COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
            )
        return response


def link(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one).

    A list value sets a repeated parameter; ``page`` resets unless changed, since a
    new filter starts at the first page.
    """
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    params.pop("page", None)
    params.pop("lang", None)
    for key, value in changes.items():
        if value is None or value == []:
            params.pop(key, None)
        elif isinstance(value, list | tuple):
            params[key] = [str(v) for v in value]
        else:
            params[key] = [str(value)]
    query = urlencode([(k, v) for k, values in params.items() for v in values])
    return f"{request.url.path}?{query}" if query else request.url.path
