"""The prior-art page: paste a disclosure (or name a patent), get explained hits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from ipnav.errors import IpnavError
from ipnav.search.prior_art import PriorArtSearch
from ipnav.web.deps import Csrf, PagesDep, PriorArt, Public
from ipnav.web.errors import error_info
from ipnav.web.params import MAX_DISCLOSURE_CHARS
from ipnav.web.views import result_view

router = APIRouter(tags=["pages"], include_in_schema=False)
TOP = 10


def _run(request: Request, searcher: PriorArtSearch, text: str, patent_id: str) -> dict:
    """The explained hits, or the core's error to show above the form."""
    try:
        if patent_id.strip():
            query = searcher.for_patent(patent_id.strip())
        else:
            query = searcher.for_text(text)
        result = searcher.search(query, TOP)
    except IpnavError as exc:
        return {"error": error_info(exc)}
    return {
        "result": result,
        "items": [result_view(item, request.state.lang) for item in result.items],
    }


def _status(context: dict) -> int:
    return context["error"].status if "error" in context else 200


@router.get("/prior-art", response_class=HTMLResponse)
def prior_art_form(
    request: Request, pages: PagesDep, searcher: PriorArt, user: Public, id: str = ""
) -> HTMLResponse:
    context: dict = {"text": "", "patent_id": id}
    if id.strip():
        context |= _run(request, searcher, "", id[:200])
    return pages.render(request, "prior_art.html", context, _status(context))


@router.post("/prior-art", response_class=HTMLResponse)
def prior_art_results(
    request: Request,
    user: Public,
    _csrf: Csrf,
    pages: PagesDep,
    searcher: PriorArt,
    text: Annotated[str, Form(max_length=MAX_DISCLOSURE_CHARS)] = "",
    id: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    context = {"text": text, "patent_id": id} | _run(request, searcher, text, id)
    return pages.render(request, "prior_art.html", context, _status(context))
