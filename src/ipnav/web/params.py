"""Request parameters shared by the pages and the API: filters, limits, the mode.

Parsing only: values are checked and turned into the core's types, with a
message that names the parameter; the core does the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ipnav.model.applicants import normalize_name
from ipnav.model.classification import parse_symbol
from ipnav.model.record import ApplicantType, LegalStatus
from ipnav.search.base import Filters
from ipnav.web.errors import WebError

#: Longest search query accepted (a disclosure goes to prior-art search instead).
MAX_QUERY_CHARS = 2_000
#: Longest disclosure accepted by prior-art search.
MAX_DISCLOSURE_CHARS = 100_000
#: Deepest result reachable by paging: far beyond any corpus a page can show.
MAX_OFFSET = 1_000_000
PAGE_SIZE = 10
#: Facets shown beside the results.
PAGE_FACETS = ("country", "applicant_type", "publication_year")


def check_query(text: str) -> str:
    if len(text) > MAX_QUERY_CHARS:
        raise WebError(
            f"the query has {len(text):,} characters; at most {MAX_QUERY_CHARS:,} are accepted "
            "(paste a long disclosure into prior-art search instead)",
            code="query_too_long",
        )
    return text


def parse_date(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) == 4 and text.isdigit():  # a year: from its first or to its last day
        return dt.date(int(text), 12, 31) if name == "until" else dt.date(int(text), 1, 1)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise WebError(f"{name}={value[:40]!r} is not a date; write YYYY-MM-DD") from None


def _choices(values: Sequence[str], allowed: set[str], name: str) -> tuple[str, ...]:
    picked = tuple(v.strip().lower() for v in values if v.strip())
    bad = [v for v in picked if v not in allowed]
    if bad:
        shown = ", ".join(repr(v[:40]) for v in bad[:3])
        raise WebError(f"{name}: {shown} not one of {', '.join(sorted(allowed))}")
    return picked


def _codes(values: Sequence[str], name: str) -> tuple[str, ...]:
    picked = tuple(v.strip().upper() for v in values if v.strip())
    bad = [v for v in picked if not (v.isascii() and v.isalpha() and len(v) <= 3)]
    if bad:
        raise WebError(f"{name}: {bad[0][:40]!r} is not a country code such as CN or US")
    return picked


def _classes(values: Sequence[str], name: str) -> tuple[str, ...]:
    picked = tuple(v.strip() for v in values if v.strip())
    for value in picked:
        try:
            parse_symbol(value)
        except ValueError as exc:
            raise WebError(f"{name}: {exc}") from None
    return picked


def filters_from(
    *,
    country: Sequence[str] = (),
    date_from: str | None = None,
    until: str | None = None,
    applicant_type: Sequence[str] = (),
    legal_status: Sequence[str] = (),
    ipc: Sequence[str] = (),
    cpc: Sequence[str] = (),
    applicant: Sequence[str] = (),
) -> Filters:
    """The core's :class:`Filters` from request parameters, each checked."""
    return Filters(
        date_from=parse_date(date_from, "from"),
        date_to=parse_date(until, "until"),
        countries=_codes(country, "country"),
        applicant_types=_choices(
            applicant_type, {t.value for t in ApplicantType}, "applicant_type"
        ),
        legal_statuses=_choices(legal_status, {s.value for s in LegalStatus}, "legal_status"),
        ipc_prefixes=_classes(ipc, "ipc"),
        cpc_prefixes=_classes(cpc, "cpc"),
        applicants=tuple(normalize_name(a) for a in applicant if a.strip()),
    )
