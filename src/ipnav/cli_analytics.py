"""``ipnav analyze`` and ``ipnav report``: a thematic database's analyses and its report.

Thin shells over :func:`ipnav.analytics.analyze_ids` and :func:`ipnav.reports.render_report`,
acting as the local operator (like ``ipnav collection``). Both read a snapshot of the
collection (the latest unless ``--version`` names one), so a report states the snapshot
and the data cut-off date its numbers come from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ipnav.errors import IpnavError

NameArg = Annotated[str, typer.Argument(help="The thematic database (NAME or ORG:NAME).")]
VersionOpt = Annotated[
    int | None, typer.Option("--version", min=1, help="Snapshot version (default: latest).")
]
LangOpt = Annotated[str, typer.Option("--lang", help="zh or en: titles, labels, text.")]


def _shell():
    from ipnav import cli

    return cli


def _lang(value: str) -> str:
    if value not in ("zh", "en"):
        raise typer.BadParameter("use zh or en", param_hint="--lang")
    return value


def _analyses(name: str, version: int | None, lang: str) -> tuple[Any, Any, dict[str, Any]]:
    """(collection, snapshot, analyze() result) with a progress bar on stderr."""
    from rich.progress import TextColumn

    from ipnav.analytics import analyze_ids
    from ipnav.collections import Collections, Principal
    from ipnav.model.schemes import load_scheme

    shell = _shell()
    settings = shell._settings()
    with shell._open_store(settings) as store:
        collections = Collections(store.engine, None)
        principal = Principal.operator(shell._cli_actor())
        try:
            item = collections.get(principal, name)
            snapshot, ids = collections.member_ids(principal, name, version)
        except IpnavError as exc:
            raise shell._fail(exc) from None
        scheme = load_scheme(settings.sample_data)
        with shell._progress_bar(TextColumn("{task.completed:>7,} / {task.total} ")) as bar:
            tasks: dict[str, Any] = {}

            def show(stage: str, done: int, total: int | None) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            try:
                found = analyze_ids(store, ids, classification=scheme, language=lang, progress=show)
            except IpnavError as exc:
                raise shell._fail(exc) from None
    return item, snapshot, found


def analyze(
    name: NameArg,
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    version: VersionOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """Every analysis of a thematic database's snapshot (its tables; json: all of them)."""
    if format not in ("table", "json"):
        raise typer.BadParameter("use table or json", param_hint="--format")
    lang = _lang(lang)
    item, snapshot, found = _analyses(name, version, lang)
    shell = _shell()
    if format == "json":
        shell._print_json(
            {
                "collection": item.name,
                "title": item.title,
                "snapshot": {
                    "version": snapshot.version,
                    "members": snapshot.member_count,
                    "cutoff": snapshot.cutoff_date.isoformat() if snapshot.cutoff_date else None,
                },
                "language": lang,
                "analyses": {key: table.to_dict(lang) for key, table in found.items()},
            }
        )
        return
    from rich.table import Table

    cutoff = snapshot.cutoff_date.isoformat() if snapshot.cutoff_date else "-"
    shell.out.print(
        f"{item.title} — snapshot {snapshot.version}: {snapshot.member_count:,} documents, "
        f"cut-off {cutoff}"
    )
    for table in found.values():
        shown = Table(title=table.title[lang], title_justify="left")
        for column in table.columns:
            shown.add_column(column.label[lang])
        for row in table.rows[:10]:
            shown.add_row(
                *("" if row.get(c.key) is None else str(row[c.key]) for c in table.columns)
            )
        shell.out.print(shown)
        if len(table.rows) > 10:
            shell.out.print(f"  … {len(table.rows) - 10:,} more rows (--format json gives all)")


def report(
    name: NameArg,
    to: Annotated[Path, typer.Option("--to", help="FILE.docx, FILE.html or FILE.xlsx")],
    version: VersionOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """The navigation report of a thematic database's snapshot (GB/T 39551 outline)."""
    from ipnav.reports import ReportInput, render_report

    lang = _lang(lang)
    if to.suffix.lower() not in (".docx", ".html", ".xlsx"):
        raise typer.BadParameter("the file must end in .docx, .html or .xlsx", param_hint="--to")
    item, snapshot, found = _analyses(name, version, lang)
    shell = _shell()
    title = (
        f"{item.title}专利导航报告" if lang == "zh" else f"Patent navigation report: {item.title}"
    )
    data = ReportInput(
        title=title,
        tables=found,
        language=lang,
        collection=item.name,
        description=item.description or "",
        snapshot_version=snapshot.version,
        cutoff=snapshot.cutoff_date,
        queries=[q.get("query", "") for q in snapshot.queries],
        breakdown=snapshot.branches.to_list(),
        members=snapshot.member_count,
        organisation=item.owner or "",
    )
    try:
        written = render_report(data, to)
    except IpnavError as exc:
        raise shell._fail(exc) from None
    shell.out.print(
        f"wrote {written} (snapshot {snapshot.version}, {snapshot.member_count:,} documents)"
    )
