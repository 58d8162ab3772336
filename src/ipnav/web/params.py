"""Request parameters shared by the pages and the API: filters, limits, the mode.

Parsing only: values are checked and turned into the core's types, with a
message that names the parameter; the core does the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Path, Query

from ipnav.model.applicants import normalize_name
from ipnav.model.classification import parse_symbol
from ipnav.model.record import ApplicantType, LegalStatus
from ipnav.search.base import Filters
from ipnav.search.service import SearchMode
from ipnav.search.sort import SortOrder
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
#: Largest row id a path may name: PostgreSQL's INTEGER (SQLite's is 64-bit). A bigger
#: number names no row; unchecked it reaches the driver and fails there (a 500: found by
#: schemathesis with ``DELETE /api/v1/saved-searches/9223372036854775808``).
MAX_ROW_ID = 2**31 - 1
#: A database row id in a path, e.g. ``search_id: RowId``: 1 … :data:`MAX_ROW_ID`, else 422.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


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


#: Longest accepted thematic-database reference (``ORG:NAME``).
MAX_COLLECTION_CHARS = 200

#: Filter parameters that may repeat, in the order links write them.
LIST_PARAMS = ("country", "applicant_type", "legal_status", "ipc")


@dataclass(frozen=True)
class SearchArgs:
    """What shapes a result list besides the query and the page: mode, sort, filters.

    One object for the results page, the exports and saved searches, so that a link,
    an export and a saved search of a result list all mean the same list.
    """

    mode: SearchMode = SearchMode.HYBRID
    sort: SortOrder = SortOrder.RELEVANCE
    collapse: bool = False
    country: tuple[str, ...] = ()
    date_from: str | None = None
    until: str | None = None
    applicant_type: tuple[str, ...] = ()
    legal_status: tuple[str, ...] = ()
    ipc: tuple[str, ...] = ()
    collection: str | None = None  # a thematic database's name: search inside it
    filters: Filters = field(default_factory=Filters, compare=False)

    @classmethod
    def parse(cls, **values: Any) -> SearchArgs:
        """Checked arguments (filters parsed; bad values raise :class:`WebError`)."""
        lists = {name: tuple(_texts(values.get(name), name)) for name in LIST_PARAMS}
        date_from = _text(values.get("date_from"), "from")
        until = _text(values.get("until"), "until")
        filters = filters_from(
            country=lists["country"],
            date_from=date_from,
            until=until,
            applicant_type=lists["applicant_type"],
            legal_status=lists["legal_status"],
            ipc=lists["ipc"],
        )
        collection = (_text(values.get("collection"), "collection") or "").strip()
        if len(collection) > MAX_COLLECTION_CHARS:
            raise WebError(f"collection names are at most {MAX_COLLECTION_CHARS} characters")
        return cls(
            collection=collection or None,
            mode=_enum(SearchMode, values.get("mode"), "mode"),
            sort=_enum(SortOrder, values.get("sort"), "sort"),
            collapse=_flag(values.get("collapse")),
            date_from=date_from or None,
            until=until or None,
            filters=filters,
            **lists,
        )

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SearchArgs:
        """From request names (``from``, ``collapse`` …), as links and saved searches write them."""
        known = {"mode", "sort", "collapse", "from", "until", "collection", *LIST_PARAMS}
        unknown = sorted(set(params) - known)
        if unknown:
            raise WebError(
                f"unknown search parameter(s) {', '.join(unknown)[:120]}; "
                f"known: {', '.join(sorted(known))}"
            )
        values = {("date_from" if k == "from" else k): v for k, v in params.items()}
        return cls.parse(**values)

    def to_params(self) -> dict[str, Any]:
        """The arguments that differ from the defaults, under their request names."""
        out: dict[str, Any] = {}
        if self.mode is not SearchMode.HYBRID:
            out["mode"] = self.mode.value
        if self.sort is not SortOrder.RELEVANCE:
            out["sort"] = self.sort.value
        if self.collapse:
            out["collapse"] = True
        if self.date_from:
            out["from"] = self.date_from
        if self.until:
            out["until"] = self.until
        if self.collection:
            out["collection"] = self.collection
        for name in LIST_PARAMS:
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        return out

    def query_items(self) -> list[tuple[str, str]]:
        """:meth:`to_params` as query-string pairs, lists repeated."""
        items: list[tuple[str, str]] = []
        for key, value in self.to_params().items():
            if isinstance(value, list):
                items += [(key, v) for v in value]
            else:
                items.append((key, "true" if value is True else str(value)))
        return items


def search_args(
    mode: SearchMode = SearchMode.HYBRID,
    sort: Annotated[
        SortOrder, Query(description="relevance, publication-desc/-asc, filing-desc/-asc")
    ] = SortOrder.RELEVANCE,
    country: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    date_from: Annotated[str | None, Query(alias="from")] = None,
    until: str | None = None,
    applicant_type: Annotated[list[str], Query()] = [],  # noqa: B006
    legal_status: Annotated[list[str], Query()] = [],  # noqa: B006
    ipc: Annotated[list[str], Query()] = [],  # noqa: B006
    collapse: bool = False,
    collapse_family: Annotated[bool, Query(description="Same as collapse")] = False,
    scope: Annotated[
        str | None,
        Query(
            alias="collection",
            max_length=MAX_COLLECTION_CHARS,
            description="Search inside this thematic database (its name, or ORG:NAME)",
        ),
    ] = None,
) -> SearchArgs:
    """Dependency: the :class:`SearchArgs` of a request's query string."""
    return SearchArgs.parse(
        mode=mode,
        sort=sort,
        country=country,
        date_from=date_from,
        until=until,
        applicant_type=applicant_type,
        legal_status=legal_status,
        ipc=ipc,
        collapse=collapse or collapse_family,
        collection=scope,
    )


def _enum(kind: Any, value: Any, name: str) -> Any:
    if value is None or value == "":
        return next(iter(kind))
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise WebError(f"{name}={str(value)[:40]!r} is not one of {allowed}") from None


def _flag(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    return str(value).strip().lower() in {"1", "true", "on", "yes"}


def _text(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise WebError(f"{name} must be text, e.g. 2020-01-01")


def _texts(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise WebError(f"{name} must be text or a list of texts")
