"""Mappers from the JSONL schemas ipnav knows to the canonical record.

One mapper per source schema, each a pure function ``(raw dict, dataset) ->
(source_key, PatentRecord)`` that raises :class:`RecordError` for a bad
record. Pure functions of one record are what a Spark ``mapPartitions`` job
runs unchanged on a national corpus.

The schemas are those of the shared sample corpora (see each folder's
README under ``IPNAV_SAMPLE_DATA``) and ipnav's own canonical JSONL.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from ipnav.ingest.base import RecordError
from ipnav.model.applicants import make_party, split_applicants
from ipnav.model.classification import ClassificationError, normalize_symbol
from ipnav.model.dates import plausible
from ipnav.model.legal import status_from_text
from ipnav.model.numbers import NumberError, parse_application_number, parse_publication_number
from ipnav.model.record import (
    Citation,
    LegalEvent,
    PatentRecord,
    Person,
    PriorityClaim,
    SourceRef,
)
from ipnav.text.claims import split_claims
from ipnav.text.language import detect_language

Mapper = Callable[[dict[str, Any], str], tuple[str, PatentRecord]]


# -- field helpers -------------------------------------------------------------


def clean_text(value: Any) -> str | None:
    """Trimmed text; CSV quote artefacts (``"\"\"\"Barometer\"\" neuron\""``) undone."""
    if value is None:
        return None
    text = str(value).strip()
    if len(text) >= 2 and text[0] == text[-1] == '"' and ('""' in text or text.count('"') == 2):
        text = text[1:-1].replace('""', '"').strip()
    return text or None


def parse_date(value: Any, field: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` or ``YYYYMMDD``; an impossible date is a RecordError."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?", text)
    if match:
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
        else:
            try:
                return plausible(day)
            except ValueError as exc:
                raise RecordError(f"field `{field}`: {exc}") from None
    raise RecordError(
        f"field `{field}` is not a date (got {text!r}); dates must be YYYY-MM-DD or YYYYMMDD"
    )


def publication(value: str, field: str, **kwargs: Any):
    try:
        return parse_publication_number(value, **kwargs)
    except NumberError as exc:
        raise RecordError(f"field `{field}`: {exc}") from None


# Symbols repeat across a corpus (a portfolio's CPC groups); parse each once.
_normalize_symbol = functools.lru_cache(maxsize=1 << 16)(normalize_symbol)


Unreadable = dict[str, list[str]]
"""Entries of list fields that could not be read, by field: kept in ``extra``, never
dropped silently, and never a reason to reject an otherwise good record."""


def symbols(values: Iterable[str] | None, field: str, unreadable: Unreadable) -> list[str]:
    result: list[str] = []
    for value in values or []:
        if not value or not str(value).strip():
            continue
        try:
            symbol = _normalize_symbol(str(value))
        except ClassificationError:
            unreadable.setdefault(field, []).append(str(value))
            continue
        if symbol not in result:
            result.append(symbol)
    return result


def texts(value: Any, *, field: str, flags: list[str]) -> dict[str, str]:
    """A text keyed by its language. ``"English | 中文"`` (PatSnap's machine
    translation appended after a bar) gives both, the second flagged."""
    text = clean_text(value)
    if not text:
        return {}
    original, sep, translated = text.partition(" | ")
    result = {detect_language(original): original.strip()}
    translated = translated.strip()
    if sep and translated:
        lang = detect_language(translated)
        if lang not in result:
            result[lang] = translated
            flags.append(f"{field}.{lang}")
    elif sep:
        result = {detect_language(text): text}
    return result


def applicants(values: Iterable[str] | str | None) -> list:
    if values is None:
        return []
    names = split_applicants(values) if isinstance(values, str) else list(values)
    return [make_party(name.strip()) for name in names if name and name.strip()]


def people(values: Iterable[str] | None) -> list[Person]:
    return [Person(name=name.strip()) for name in values or [] if name and name.strip()]


def publication_ids(values: Iterable[str] | None, field: str, unreadable: Unreadable) -> list[str]:
    ids: list[str] = []
    for value in values or []:
        if value and value.strip():
            try:
                pub_id = parse_publication_number(value).id
            except NumberError:
                unreadable.setdefault(field, []).append(value)
                continue
            if pub_id not in ids:
                ids.append(pub_id)
    return ids


def citations(values: Iterable[str] | None, field: str, unreadable: Unreadable) -> list[Citation]:
    """Cited publications; a number that cannot be normalised stays as written in ``ref``
    (with no match key) so the citation is still shown, and is listed as unreadable."""
    result = []
    for value in values or []:
        if value and value.strip():
            try:
                number = parse_publication_number(value)
            except NumberError:
                unreadable.setdefault(field, []).append(value)
                result.append(Citation(ref=value.strip()))
                continue
            result.append(Citation(ref=number.id, match_key=number.match_key))
    return result


def compact(facts: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in facts.items() if value not in (None, "", [], {})}


# -- the schemas -----------------------------------------------------------------


def map_us_grant_common(raw: dict[str, Any], dataset: str) -> tuple[str, PatentRecord]:
    """PatentsView-derived US grants (NVIDIA portfolio, keyword queries, pyGrams sample)."""
    number = publication(raw["id"], "id")
    flags: list[str] = []
    bad: Unreadable = {}
    kind = raw.get("kind") or number.kind
    grant = parse_date(raw.get("grant_date"), "grant_date")
    record = PatentRecord(
        id=f"{number.country}{number.number}{kind or ''}",
        country=number.country,
        number=number.number,
        kind=kind,
        publication_date=grant,
        grant_date=grant,
        filing_date=parse_date(raw.get("filing_date"), "filing_date"),
        title=texts(raw.get("title"), field="title", flags=flags),
        abstract=texts(raw.get("abstract"), field="abstract", flags=flags),
        machine_translated=flags,
        claims_count=raw.get("num_claims"),
        cpc=symbols(raw.get("cpc"), "cpc", bad),
        ipc=symbols(raw.get("ipc"), "ipc", bad),
        applicants=applicants(raw.get("assignees")),
        inventors=people(raw.get("inventors")),
        cited_patents=citations(raw.get("cited_patents"), "cited_patents", bad),
        legal_status=status_from_text("withdrawn") if raw.get("withdrawn") else None,
        sources=[SourceRef(dataset=dataset, source_id=raw["id"])],
        extra={
            dataset: compact(
                {
                    k: raw.get(k)
                    for k in ("patent_type", "cpc_inventional", "source_file", "query", "source_id")
                }
                | {"unreadable": bad}
            )
        },
    )
    return raw["id"], record


def map_patsnap(raw: dict[str, Any], dataset: str) -> tuple[str, PatentRecord]:
    """PatSnap export of the CS3245 corpus (US/EP/WO, citations both ways, families)."""
    number = publication(raw["id"], "id")
    kind = number.kind or raw.get("kind")
    flags: list[str] = []
    bad: Unreadable = {}
    numbers = [n for n in raw.get("priority_numbers") or [] if n]
    dates = [_priority_date(d, bad) for d in raw.get("priority_dates") or []]
    aligned = len(numbers) == len(dates)
    priorities = [
        PriorityClaim(
            country=n[:2] if n[:2].isalpha() else None,
            number=n,
            date=dates[i] if aligned else None,
        )
        for i, n in enumerate(numbers)
    ]
    examiners = [raw.get("primary_examiner"), raw.get("assistant_examiner")]
    record = PatentRecord(
        id=f"{number.country}{number.number}{kind or ''}",
        country=number.country,
        number=number.number,
        kind=kind,
        application_number=clean_text(raw.get("application_number")),
        filing_date=parse_date(raw.get("filing_date"), "filing_date"),
        publication_date=parse_date(raw.get("publication_date"), "publication_date"),
        priority_claims=priorities,
        title=texts(raw.get("title"), field="title", flags=flags),
        abstract=texts(raw.get("abstract"), field="abstract", flags=flags),
        machine_translated=flags,
        ipc=symbols(raw.get("ipc"), "ipc", bad),
        national_classes=[f"US:{c}" for c in raw.get("uspc") or [] if c],
        applicants=applicants(raw.get("assignees")),
        inventors=people(raw.get("inventors")),
        agents=applicants([raw["agent"]] if raw.get("agent") else None),
        examiners=people([e for e in examiners if e]),
        family=publication_ids(raw.get("family_members"), "family_members", bad),
        cited_patents=citations(raw.get("cited_patents"), "cited_patents", bad),
        cited_by=publication_ids(raw.get("cited_by"), "cited_by", bad),
        npl_citations=[c for c in raw.get("npl_citations") or [] if c],
        sources=[SourceRef(dataset=dataset, source_id=raw["id"])],
        extra={
            dataset: compact(
                {
                    "ipc_primary": raw.get("ipc_primary"),
                    "cited_by_count": raw.get("cited_by_count"),
                    "priority_dates": None if aligned else raw.get("priority_dates"),
                    "unreadable": bad,
                }
            )
        },
    )
    return raw["id"], record


def _priority_date(value: Any, unreadable: Unreadable) -> dt.date | None:
    """A priority date, or None (kept as unreadable) when the source's date is wrong:
    a bad priority date should not cost the record."""
    try:
        return parse_date(value, "priority_dates")
    except RecordError:
        unreadable.setdefault("priority_dates", []).append(str(value))
        return None


def map_bdci(raw: dict[str, Any], dataset: str) -> tuple[str, PatentRecord]:
    """CCF BDCI 2022 few-shot set: CN texts without numbers; the hash id is kept."""
    source_id = str(raw["id"]).strip()
    if not source_id:
        raise RecordError("field `id` is empty; BDCI records are identified by their hash id")
    flags: list[str] = []
    record = PatentRecord(
        id=f"BDCI-{source_id}",
        country=raw.get("country") or "CN",
        title=texts(raw.get("title"), field="title", flags=flags),
        abstract=texts(raw.get("abstract"), field="abstract", flags=flags),
        applicants=applicants(raw.get("assignee")),
        sources=[SourceRef(dataset=dataset, source_id=source_id)],
        extra={dataset: compact({k: raw.get(k) for k in ("label_id", "label_source")})},
    )
    return source_id, record


def map_cn_titles_ipc(raw: dict[str, Any], dataset: str) -> tuple[str, PatentRecord]:
    """CN publications with titles and their full IPC subclass sets."""
    number = publication(raw["id"], "id")
    flags: list[str] = []
    bad: Unreadable = {}
    others = [n for n in raw.get("publication_numbers") or [] if n and n != raw["id"]]
    record = PatentRecord(
        id=number.id,
        country=number.country,
        number=number.number,
        kind=number.kind,
        title=texts(raw.get("title"), field="title", flags=flags),
        ipc=symbols(raw.get("ipc_subclasses"), "ipc_subclasses", bad),
        family=publication_ids(others, "publication_numbers", bad),
        sources=[SourceRef(dataset=dataset, source_id=raw["id"])],
        extra={dataset: compact({"cv_fold": raw.get("cv_fold"), "unreadable": bad})},
    )
    return raw["id"], record


_CNKI_NUMBER = re.compile(r"filename=([A-Z]{2}\d+[A-Z]\d?)", re.I)


def map_cnki(raw: dict[str, Any], dataset: str) -> tuple[str, PatentRecord]:
    """CNKI scrape with claims; the publication number is read from the detail-page URL."""
    url = raw.get("source_url") or ""
    found = _CNKI_NUMBER.search(url)
    if not found:
        raise RecordError(f"field `source_url` holds no publication number (got {url!r})")
    number = publication(found.group(1), "source_url")
    flags: list[str] = []
    claims_text = clean_text(raw.get("claims"))
    claims = split_claims(claims_text) if claims_text else []
    record = PatentRecord(
        id=number.id,
        country=number.country,
        number=number.number,
        kind=number.kind,
        filing_date=parse_date(raw.get("application_date"), "application_date"),
        publication_date=parse_date(raw.get("publication_date"), "publication_date"),
        title=texts(raw.get("title"), field="title", flags=flags),
        abstract=texts(raw.get("abstract"), field="abstract", flags=flags),
        claims={detect_language(claims_text): claims} if claims else {},
        applicants=applicants(raw.get("applicant")),
        inventors=people(raw.get("inventors")),
        sources=[SourceRef(dataset=dataset, source_id=number.id)],
        extra={dataset: compact({"source_url": url})},
    )
    return number.id, record


def map_peds(raw: dict[str, Any], dataset: str) -> tuple[str, PatentRecord]:
    """USPTO PEDS prosecution histories: status and events of an application.

    A granted application becomes the record of its patent (``US`` + patent
    number, kind unknown), so it merges with that grant from other sources; a
    pending or abandoned one keeps its source id (``US-APP-…``).
    """
    source_id = str(raw.get("id") or f"US-APP-{raw['application_number']}")
    try:
        application = parse_application_number(str(raw["application_number"]), default_country="US")
    except NumberError as exc:
        raise RecordError(f"field `application_number`: {exc}") from None
    events = [
        LegalEvent(
            date=parse_date(e.get("date"), "prosecution_events.date"),
            code=e.get("code") or None,
            description=e.get("description") or "",
        )
        for e in raw.get("prosecution_events") or []
    ]
    events.sort(key=lambda e: (e.date is None, e.date, e.code or ""))
    patent_number = clean_text(raw.get("patent_number"))
    number = publication(f"US{patent_number}", "patent_number") if patent_number else None
    flags: list[str] = []
    record = PatentRecord(
        id=number.id if number else source_id,
        country="US",
        number=number.number if number else None,
        application_number=application.normalized,
        filing_date=parse_date(raw.get("filing_date"), "filing_date"),
        title=texts(raw.get("patent_title"), field="title", flags=flags),
        examiners=people([raw["examiner_name"]] if raw.get("examiner_name") else None),
        legal_status=status_from_text(raw.get("status")),
        legal_events=events,
        sources=[SourceRef(dataset=dataset, source_id=source_id)],
        extra={
            dataset: compact(
                {
                    k: raw.get(k)
                    for k in (
                        "status",
                        "technology_center",
                        "tc_description",
                        "art_unit",
                        "app_type",
                        "entity_status",
                        "total_events_in_file",
                        "pulled_at",
                    )
                }
            )
        },
    )
    return source_id, record


def map_canonical(raw: dict[str, Any], dataset: str) -> tuple[str, PatentRecord]:
    """ipnav's own JSONL (``PatentRecord`` as JSON), e.g. from an export."""
    try:
        record = PatentRecord.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(p) for p in first["loc"])
        raise RecordError(f"field `{place}`: {first['msg']}") from None
    if not any(s.dataset == dataset for s in record.sources):
        record.sources.append(SourceRef(dataset=dataset, source_id=record.id))
    return record.id, record


SCHEMAS: dict[str, Mapper] = {
    "us-grant-common": map_us_grant_common,
    "patsnap": map_patsnap,
    "bdci": map_bdci,
    "cn-titles-ipc": map_cn_titles_ipc,
    "cnki": map_cnki,
    "uspto-peds": map_peds,
    "ipnav": map_canonical,
}

# Keys whose presence identifies a schema, most specific first.
_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("ipnav", frozenset({"id", "sources"})),
    ("uspto-peds", frozenset({"application_number", "prosecution_events"})),
    ("patsnap", frozenset({"id", "cited_by", "family_members", "ipc_primary"})),
    ("bdci", frozenset({"id", "assignee", "label_id"})),
    ("cn-titles-ipc", frozenset({"id", "publication_numbers", "ipc_subclasses"})),
    ("cnki", frozenset({"source_url", "claims", "applicant"})),
    ("us-grant-common", frozenset({"id", "doc_number", "grant_date"})),
)


def detect_schema(raw: dict[str, Any]) -> str | None:
    """Name of the schema whose signature keys ``raw`` has, or ``None``."""
    keys = raw.keys()
    for name, signature in _SIGNATURES:
        if signature <= keys:
            return name
    return None
