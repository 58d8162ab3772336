"""Search filter options of the command line and their parsing (shared by search and export).

Each option is a Typer ``Annotated`` alias, so ``ipnav search`` and ``ipnav export``
declare the same flags with the same help; :func:`filters_from_options` turns their
values into a :class:`~ipnav.search.base.Filters`, naming the option of any bad value.
"""

from __future__ import annotations

from typing import Annotated

import typer


def parse_day(value: str | None, option: str):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; write YYYY-MM-DD", param_hint=option
        ) from None


DATE_FIELDS = {"pd": "publication_date", "ad": "filing_date", "prd": "priority_date"}


def filters_from_options(
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    date_field: str = "pd",
    country: list[str] | None = None,
    kind: list[str] | None = None,
    ipc: list[str] | None = None,
    cpc: list[str] | None = None,
    applicant: list[str] | None = None,
    applicant_type: list[str] | None = None,
    legal_status: list[str] | None = None,
    lang: list[str] | None = None,
):
    """Filters from the command line's options, each checked with a clear message."""
    from ipnav.model.applicants import normalize_name
    from ipnav.model.classification import ClassificationError, parse_symbol
    from ipnav.model.record import ApplicantType, LegalStatus
    from ipnav.search.base import Filters

    def choices(values, enum, option):
        allowed = {e.value for e in enum}
        bad = [v for v in values or () if v.lower() not in allowed]
        if bad:
            raise typer.BadParameter(
                f"{', '.join(bad)} not one of: {', '.join(sorted(allowed))}", param_hint=option
            )
        return tuple(v.lower() for v in values or ())

    def classes(values, option):
        for value in values or ():
            try:
                parse_symbol(value)
            except ClassificationError as exc:
                raise typer.BadParameter(str(exc), param_hint=option) from None
        return tuple(value.strip() for value in values or ())

    if date_field.lower() not in DATE_FIELDS:
        raise typer.BadParameter("use pd, ad or prd", param_hint="--date-field")
    return Filters(
        date_field=DATE_FIELDS[date_field.lower()],
        date_from=parse_day(date_from, "--from"),
        date_to=parse_day(date_to, "--until"),
        countries=tuple(c.upper() for c in country or ()),
        kinds=tuple(k.upper() for k in kind or ()),
        ipc_prefixes=classes(ipc, "--ipc"),
        cpc_prefixes=classes(cpc, "--cpc"),
        applicants=tuple(normalize_name(a) for a in applicant or ()),
        applicant_types=choices(applicant_type, ApplicantType, "--applicant-type"),
        legal_statuses=choices(legal_status, LegalStatus, "--legal-status"),
        languages=tuple(la.lower() for la in lang or ()),
    )


FromOpt = Annotated[str | None, typer.Option("--from", help="Earliest date, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--until", help="Latest date, YYYY-MM-DD.")]
DateFieldOpt = Annotated[
    str, typer.Option("--date-field", help="Date the range applies to: pd, ad or prd.")
]
CountryOpt = Annotated[
    list[str] | None, typer.Option("--country", help="e.g. CN, US (repeatable).")
]
KindOpt = Annotated[
    list[str] | None, typer.Option("--kind", help="Kind code, e.g. B2 (repeatable).")
]
IpcOpt = Annotated[
    list[str] | None, typer.Option("--ipc", help="IPC prefix, e.g. G06F9 (repeatable).")
]
CpcOpt = Annotated[list[str] | None, typer.Option("--cpc", help="CPC prefix (repeatable).")]
ApplicantOpt = Annotated[
    list[str] | None, typer.Option("--applicant", help="Applicant name (repeatable).")
]
ApplicantTypeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--applicant-type",
        help="university, institute, company, individual, government, other (repeatable).",
    ),
]
LegalStatusOpt = Annotated[
    list[str] | None,
    typer.Option("--legal-status", help="pending, granted, lapsed, expired … (repeatable)."),
]
LangOpt = Annotated[
    list[str] | None, typer.Option("--lang", help="Text language: zh, en (repeatable).")
]
