"""The patent page: one record found by any number form, with all it holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ipnav.model.record import PatentRecord
from ipnav.store.patents import PatentStore
from ipnav.web.deps import PagesDep, Public, Store
from ipnav.web.errors import NotFound, WebError
from ipnav.web.views import claim_sets, class_views, prefer

router = APIRouter(tags=["pages"], include_in_schema=False)

MAX_NUMBER_CHARS = 200


def find_patent(store: PatentStore, number: str) -> tuple[PatentRecord, list[PatentRecord]]:
    """The record for ``number`` in any form, and the other publications it matched.

    Raises :class:`NotFound` (or the core's ``NumberError``, also a 404) when none.
    """
    if len(number) > MAX_NUMBER_CHARS or not number.strip():
        raise WebError(f"{number[:40]!r}… is not a patent number", code="bad_number")
    found = store.find(number)
    if not found:
        raise NotFound(f"no stored patent matches {number!r}; check the number or search for it")
    return found[0], found[1:]


@router.get("/patent/{number:path}", response_class=HTMLResponse)
def patent_page(
    request: Request, number: str, pages: PagesDep, store: Store, user: Public
) -> HTMLResponse:
    record, others = find_patent(store, number)
    lang = request.state.lang
    scheme = request.app.state.scheme
    return pages.render(
        request,
        "patent.html",
        {
            "record": record,
            "others": others,
            "title": record.text("title", prefer(lang)) or record.id,
            "abstract": record.text("abstract", prefer(lang)) or "",
            "claim_sets": claim_sets(record, lang),
            "ipc": class_views(record.ipc, "ipc", scheme, lang),
            "cpc": class_views(record.cpc, "cpc", scheme, lang),
        },
    )
