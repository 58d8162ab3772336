"""The patent page: one record found by any number form, with all it holds.

Besides the record itself the page shows what the store knows around it: the
number in each written form; family members and citations linked to their page
where the store holds them (else to Google Patents); *cited by* from the source
and from the stored records that cite it (:mod:`ipnav.store.references`); and the
five most similar stored patents, each explained, from prior-art search over the
patent's own text (any date; the prior-art page cuts at the priority date).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ipnav.errors import IpnavError
from ipnav.model.numbers import (
    NumberError,
    number_forms,
    parse_application_number,
    parse_publication_number,
)
from ipnav.model.record import PatentRecord
from ipnav.search.export_ris import GOOGLE_PATENTS_URL
from ipnav.search.prior_art import PriorArtSearch
from ipnav.store.patents import PatentStore
from ipnav.store.references import citing_ids, stored_ids
from ipnav.web.deps import PagesDep, Public, Store
from ipnav.web.errors import NotFound, WebError
from ipnav.web.views import ResultView, claim_sets, class_views, prefer, result_view

log = logging.getLogger(__name__)
SIMILAR = 5  # similar patents shown on the page

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


@dataclass(frozen=True)
class Ref:
    """A publication a record names: the stored record it links to, else (for a number)
    its page on Google Patents."""

    ref: str
    link: str | None = None
    category: str | None = None
    name: str | None = None

    @property
    def external(self) -> str | None:
        if self.link is not None:
            return None
        try:
            return GOOGLE_PATENTS_URL.format(id=parse_publication_number(self.ref).id)
        except NumberError:
            return None


def numbers(record: PatentRecord) -> list[tuple[str, str]]:
    """``(form, text)`` of the publication and application numbers, each form once.

    Forms: ``id``, ``docdb`` (``CN 108022189 A``), ``epodoc`` (no kind),
    ``original`` (as the office prints it), ``application`` (written form) and
    ``application_normalized`` where it differs.
    """
    forms: dict[str, str] = {"id": record.id}
    with contextlib.suppress(NumberError):  # a source's own id (BDCI, CNKI): no other form
        forms |= number_forms(parse_publication_number(record.id))
    if record.application_number:
        try:
            application = parse_application_number(record.application_number)
            forms["application"] = application.display
            forms["application_normalized"] = application.normalized
        except NumberError:
            forms["application"] = record.application_number
    out: list[tuple[str, str]] = []
    for form, text in forms.items():
        if text and text not in [t for _, t in out]:
            out.append((form, text))
    return out


def references(store: PatentStore, record: PatentRecord) -> dict[str, list[Ref]]:
    """Family, cited patents and citing patents, linked where the store holds them."""
    citing = [i for i in citing_ids(store, record) if i != record.id]
    refs = [*record.family, *(c.ref for c in record.cited_patents), *record.cited_by]
    # a member merged into this very record (its A1 beside this B2) has no other page
    stored = {ref: i for ref, i in stored_ids(store, refs).items() if i != record.id}
    cited_by = [Ref(ref, stored.get(ref)) for ref in record.cited_by]
    linked = {r.link for r in cited_by}
    cited_by += [Ref(i, i) for i in citing if i not in linked]
    return {
        "family": [Ref(m, stored.get(m)) for m in record.family if m != record.id],
        "cites": [Ref(c.ref, stored.get(c.ref), c.category, c.name) for c in record.cited_patents],
        "cited_by": cited_by,
    }


def similar(request: Request, record: PatentRecord) -> list[ResultView]:
    """The most similar stored patents, explained; none when search is unavailable."""
    service = request.app.state.search
    if service is None:
        return []
    searcher = PriorArtSearch(service)
    try:
        query = searcher.for_patent(record.id, before=None)
        result = searcher.search(query, SIMILAR)
    except IpnavError as exc:  # e.g. a record without text: the page shows it without
        log.info("no similar patents for %s: %s", record.id, exc)
        return []
    return [result_view(item, request.state.lang) for item in result.items]


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
            "numbers": numbers(record),
            "refs": references(store, record),
            "similar": similar(request, record),
        },
    )
