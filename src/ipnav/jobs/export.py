"""The ``export`` job: every result of a query, in a file under ``IPNAV_HOME/exports``.

The same work as ``ipnav export``: the query's whole result set (Boolean meaning, best
first, :meth:`~ipnav.search.service.SearchService.export_ids`) written by
:func:`~ipnav.search.export.export_records` to ``exports/<job id>.<format>``. The file's
name comes from the job id alone, never from user input, so a download cannot be steered
to another file.

Parameters (JSON)::

    {"query": "TA=(膜 AND 生物反应器)", "format": "csv", "lang": "zh",
     "filters": {"countries": ["CN"], "date_from": "2015-01-01", "applicant_types": ["university"]}}

``filters`` holds the fields of :class:`~ipnav.search.base.Filters` (dates as
``YYYY-MM-DD``, lists of strings for the rest). Progress: stage ``search`` while the ids
are collected, then ``export`` counted per record written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipnav.accounts import Role
from ipnav.jobs.base import JobContext, JobKind, ProgressFn, only_keys
from ipnav.jobs.errors import JobFileMissing, JobParamsError
from ipnav.settings import Settings

if TYPE_CHECKING:
    from ipnav.jobs.service import Job
    from ipnav.model.record import PatentRecord
    from ipnav.search.base import Filters

#: Longest query accepted (as on the search page and in the API).
MAX_QUERY_CHARS = 2_000
LANGUAGES = ("zh", "en")
DATE_FIELDS = ("publication_date", "filing_date", "priority_date")
LIST_FIELDS = (
    "countries",
    "kinds",
    "ipc_prefixes",
    "cpc_prefixes",
    "applicants",
    "applicant_types",
    "legal_statuses",
    "languages",
)
MAX_LIST = 50


def filters_to_params(filters: Filters) -> dict[str, Any]:
    """``filters`` as the JSON an export job stores (only the restricting fields)."""
    out: dict[str, Any] = {}
    if filters.date_field != "publication_date":
        out["date_field"] = filters.date_field
    for name in ("date_from", "date_to"):
        value = getattr(filters, name)
        if value is not None:
            out[name] = value.isoformat()
    for name in LIST_FIELDS:
        value = getattr(filters, name)
        if value:
            out[name] = list(value)
    return out


def filters_from_params(params: Mapping[str, Any]) -> Filters:
    """The :class:`Filters` of stored (or sent) JSON, each value checked."""
    from ipnav.model.applicants import normalize_name
    from ipnav.model.classification import ClassificationError, parse_symbol
    from ipnav.model.record import ApplicantType, LegalStatus
    from ipnav.search.base import Filters

    if not isinstance(params, Mapping):
        raise JobParamsError('parameter \'filters\' must be an object, e.g. {"countries": ["CN"]}')
    only_keys(params, {"date_field", "date_from", "date_to", *LIST_FIELDS}, "export filters")
    date_field = params.get("date_field", "publication_date")
    if date_field not in DATE_FIELDS:
        raise JobParamsError(f"filters.date_field must be one of {', '.join(DATE_FIELDS)}")
    values: dict[str, Any] = {"date_field": date_field}
    for name in ("date_from", "date_to"):
        value = params.get(name)
        if value is None:
            continue
        try:
            values[name] = dt.date.fromisoformat(str(value))
        except ValueError:
            raise JobParamsError(
                f"filters.{name} = {value!r:.40} is not a date; write YYYY-MM-DD"
            ) from None
    for name in LIST_FIELDS:
        value = params.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise JobParamsError(f"filters.{name} must be a list of strings")
        if len(value) > MAX_LIST:
            raise JobParamsError(f"filters.{name} has {len(value)} values; at most {MAX_LIST}")
        values[name] = tuple(v.strip() for v in value if v.strip())
    values["countries"] = tuple(c.upper() for c in values["countries"])
    values["kinds"] = tuple(k.upper() for k in values["kinds"])
    values["applicants"] = tuple(normalize_name(a) for a in values["applicants"])
    for name, enum in (("applicant_types", ApplicantType), ("legal_statuses", LegalStatus)):
        allowed = {e.value for e in enum}
        picked = tuple(v.lower() for v in values[name])
        bad = [v for v in picked if v not in allowed]
        if bad:
            raise JobParamsError(
                f"filters.{name}: {bad[0]!r:.40} is not one of {', '.join(sorted(allowed))}"
            )
        values[name] = picked
    values["languages"] = tuple(v.lower() for v in values["languages"])
    for name in ("ipc_prefixes", "cpc_prefixes"):
        for symbol in values[name]:
            try:
                parse_symbol(symbol)
            except ClassificationError as exc:
                raise JobParamsError(f"filters.{name}: {exc}") from None
    return Filters(**values)


def prepare(params: dict[str, Any]) -> dict[str, Any]:
    from ipnav.search.export import EXPORTERS
    from ipnav.search.query.parser import parse_query

    only_keys(params, {"query", "format", "lang", "filters"}, "export jobs")
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise JobParamsError("parameter 'query' is missing; give the query to export")
    if len(query) > MAX_QUERY_CHARS:
        raise JobParamsError(
            f"the query has {len(query):,} characters; at most {MAX_QUERY_CHARS:,} are accepted"
        )
    parse_query(query)  # a malformed query fails now, with its position, not in the worker
    format = str(params.get("format", "csv")).strip().lower().lstrip(".")
    if format not in EXPORTERS:
        raise JobParamsError(
            f"unknown export format {format!r:.20}; known formats: {', '.join(sorted(EXPORTERS))}"
        )
    lang = params.get("lang", "zh")
    if lang not in LANGUAGES:
        raise JobParamsError(f"parameter 'lang' must be one of {', '.join(LANGUAGES)}")
    filters = filters_from_params(params.get("filters") or {})
    return {
        "query": query,
        "format": format,
        "lang": lang,
        "filters": filters_to_params(filters),
    }


def export_path(settings: Settings, job: Job) -> Path:
    """Where the file of an export job is (or will be): ``exports/<job id><suffix>``."""
    from ipnav.search.export import EXPORTERS

    return settings.exports_dir / f"{job.id}{EXPORTERS[job.params['format']].suffix}"


def export_file(settings: Settings, job: Job) -> tuple[Path, str, str]:
    """``(path, media type, download name)`` of a finished export job's file."""
    from ipnav.search.export import EXPORTERS

    path = export_path(settings, job)
    if not path.is_file():
        raise JobFileMissing(
            f"the file of export job {job.id} is gone from {settings.exports_dir}; "
            "run the export again"
        )
    exporter = EXPORTERS[job.params["format"]]
    return path, exporter.media_type, f"ipnav-export-{job.id[:8]}{exporter.suffix}"


def run(ctx: JobContext, job: Job, progress: ProgressFn) -> dict[str, Any]:
    from ipnav.search.export import export_records
    from ipnav.search.export_stream import fetch_records
    from ipnav.search.service import SearchService

    params = job.params
    progress(0, None, "search")
    service = SearchService.open(ctx.settings, ctx.store)
    try:
        ids = service.export_ids(params["query"], filters_from_params(params["filters"]))
    finally:
        service.close()
    total = len(ids)
    progress(0, total, "export")
    target = export_path(ctx.settings, job)
    target.parent.mkdir(parents=True, exist_ok=True)

    def records() -> Iterator[PatentRecord]:
        # ids deleted or merged away since the search are skipped
        for written, record in enumerate(fetch_records(ctx.store, ids), start=1):
            yield record
            progress(written, total, "export")

    count = export_records(
        records(),
        target,
        format=params["format"],
        lang=params["lang"],
        meta={"query": params["query"], "job": job.id},
    )
    progress(count, count, "export")
    return {
        "file": target.name,
        "format": params["format"],
        "records": count,
        "bytes": target.stat().st_size,
    }


EXPORT = JobKind(
    name="export",
    min_role=Role.analyst,
    prepare=prepare,
    run=run,
    description="export every result of a query to CSV, XLSX, RIS or JSON Lines",
)

__all__ = ["EXPORT", "export_file", "export_path", "filters_from_params", "filters_to_params"]
