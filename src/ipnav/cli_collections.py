"""``ipnav collection …``: thematic databases from the command line.

The commands act as the local operator (like ``ipnav user``): they see and change
every collection. ``create`` takes the first snapshot at once, with a progress bar;
``refresh`` takes the next. ``list --format json`` prints, for scripts, one object per
collection: ``{name, title, owner, visibility, queries, snapshots, latest: {version,
members, cutoff}}``.

The shared helpers of :mod:`ipnav.cli` (console, error mapping, progress bar) are
imported inside the commands, since :mod:`ipnav.cli` imports this module to register
the group.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from ipnav.cli_filters import (
    ApplicantOpt,
    ApplicantTypeOpt,
    CountryOpt,
    CpcOpt,
    DateFieldOpt,
    FromOpt,
    IpcOpt,
    KindOpt,
    LegalStatusOpt,
    ToOpt,
    filters_from_options,
)
from ipnav.errors import IpnavError

app = typer.Typer(
    help="Thematic databases (专题数据库): named collections of patents with snapshots.",
    no_args_is_help=True,
)

NameArg = Annotated[
    str, typer.Argument(help="Collection name (ORG:NAME when organisations share a name).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]
QueryOpt = Annotated[
    list[str] | None,
    typer.Option("--query", "-q", help="A query whose every match is a member (repeatable)."),
]
IncludeOpt = Annotated[
    list[str] | None, typer.Option("--include", help="A patent id to add (repeatable).")
]
ExcludeOpt = Annotated[
    list[str] | None, typer.Option("--exclude", help="A patent id to keep out (repeatable).")
]
ShareOpt = Annotated[
    list[str] | None,
    typer.Option("--share-with", help="Organisation a shared collection is shown to (repeatable)."),
]
BreakdownOpt = Annotated[
    Path | None,
    typer.Option(
        "--breakdown",
        help="Technology breakdown file: one branch a line, '中文名 | English | query', "
        "children indented.",
    ),
]


def _shell():
    from ipnav import cli

    return cli


def _format(value: str) -> str:
    if value not in ("table", "json"):
        raise typer.BadParameter("use table or json", param_hint="--format")
    return value


@contextmanager
def _collections(*, search: bool) -> Iterator[Any]:
    """The collections of the store of the settings; the search service where queries run."""
    from ipnav.collections import Collections
    from ipnav.search.service import SearchService

    shell = _shell()
    settings = shell._settings()
    with shell._open_store(settings) as store:
        service = SearchService.open(settings, store) if search else None
        try:
            yield Collections(store.engine, service)
        finally:
            if service is not None:
                service.close()


def _operator():
    from ipnav.collections import Principal

    return Principal.operator(_shell()._cli_actor())


def _refresh(collections, principal, ref: str, note: str | None = None):
    """Take a snapshot with a progress bar per stage; returns it."""
    from rich.progress import TextColumn

    shell = _shell()
    with shell._progress_bar(TextColumn("{task.completed:>9,} / {task.total} ")) as bar:
        tasks: dict[str, Any] = {}

        def show(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return collections.refresh(principal, ref, note=note, progress=show)


def _said(snapshot) -> str:
    cutoff = snapshot.cutoff_date.isoformat() if snapshot.cutoff_date else "no dates"
    return f"snapshot {snapshot.version}: {snapshot.member_count:,} members, cut-off {cutoff}"


def _breakdown(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc}", param_hint="--breakdown") from None


@app.command("create")
def create(
    name: NameArg,
    query: QueryOpt = None,
    title: Annotated[str | None, typer.Option(help="Title shown on pages and reports.")] = None,
    description: Annotated[str | None, typer.Option(help="What the collection is about.")] = None,
    org: Annotated[
        str | None, typer.Option(help="Owner organisation (default: none, the platform's).")
    ] = None,
    visibility: Annotated[str, typer.Option(help="private, shared or public.")] = "private",
    share_with: ShareOpt = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    breakdown: BreakdownOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    date_field: DateFieldOpt = "pd",
    country: CountryOpt = None,
    kind: KindOpt = None,
    ipc: IpcOpt = None,
    cpc: CpcOpt = None,
    applicant: ApplicantOpt = None,
    applicant_type: ApplicantTypeOpt = None,
    legal_status: LegalStatusOpt = None,
) -> None:
    """Create a collection and take its first snapshot (filters apply to every query)."""
    from ipnav.collections.definition import filters_json

    shell = _shell()
    filters = filters_from_options(
        date_from=date_from,
        date_to=date_to,
        date_field=date_field,
        country=country,
        kind=kind,
        ipc=ipc,
        cpc=cpc,
        applicant=applicant,
        applicant_type=applicant_type,
        legal_status=legal_status,
    )
    tree = _breakdown(breakdown)
    principal = _operator()
    try:
        with _collections(search=True) as collections:
            stored = filters_json(filters)
            made = collections.create(
                principal,
                name,
                queries=[{"query": q, "filters": stored} for q in query or ()],
                title=title,
                description=description,
                org=org,
                visibility=visibility,
                shared_with=share_with or (),
                includes=include or (),
                excludes=exclude or (),
                breakdown=tree,
            )
            snapshot = _refresh(collections, principal, made.qualified)
    except IpnavError as exc:
        raise shell._query_error(exc) from None
    owner = f" of {made.owner}" if made.owner else ""
    shell.out.print(f"created collection {made.name}{owner} — {_said(snapshot)}", highlight=False)


@app.command("list")
def list_(format: FormatOpt = "table") -> None:
    """List the collections with their latest snapshot."""
    shell = _shell()
    _format(format)
    try:
        with _collections(search=False) as collections:
            items = collections.list_visible(_operator())
    except IpnavError as exc:
        raise shell._fail(exc) from None
    rows = [item.summary() for item in items]
    if format == "json":
        shell._print_json(rows)
        return
    from rich.table import Table

    table = Table(
        "name", "title", "owner", "visibility", "queries", "snapshot", "members", "cut-off"
    )
    for row in rows:
        latest = row["latest"] or {}
        table.add_row(
            row["name"],
            row["title"],
            row["owner"] or "",
            row["visibility"],
            str(len(row["queries"])),
            str(latest.get("version", "—")),
            f"{latest['members']:,}" if latest else "—",
            latest.get("cutoff") or "—",
        )
    shell.out.print(table)


@app.command("show")
def show(
    name: NameArg,
    format: FormatOpt = "table",
    members: Annotated[int, typer.Option(min=0, help="Also list this many members.")] = 0,
) -> None:
    """Show a collection: definition, breakdown, snapshots (and members)."""
    shell = _shell()
    _format(format)
    principal = _operator()
    try:
        with _collections(search=False) as collections:
            item = collections.get(principal, name)
            snaps = collections.snapshots(principal, item.qualified)
            page = []
            if members and snaps:
                _snap, _total, page = collections.members(principal, item.qualified, limit=members)
    except IpnavError as exc:
        raise shell._fail(exc) from None
    data = item.to_dict() | {"snapshot_list": [s.to_dict() for s in snaps]}
    if members:
        data["members"] = [
            {"id": m.patent_id, "via": m.via, "branches": list(m.branch_ids)} for m in page
        ]
    if format == "json":
        shell._print_json(data)
        return
    out = shell.out
    out.print(f"{item.title} ({item.qualified}, {item.visibility})", highlight=False)
    if item.description:
        out.print(item.description, highlight=False)
    for number, q in enumerate(item.queries, start=1):
        extra = f"  {q.filters}" if q.filters else ""
        out.print(f"query {number}: {q.query}{extra}", highlight=False)
    if item.includes or item.excludes:
        out.print(f"{len(item.includes)} included, {len(item.excludes)} excluded by hand")
    if item.breakdown.branches:
        out.print("breakdown:\n" + item.breakdown.to_text().rstrip(), highlight=False)
    for snap in snaps:
        out.print(_said(snap) + f" (made {snap.created_at:%Y-%m-%d %H:%M} UTC)", highlight=False)
    for row in data.get("members", []):
        out.print(f"  {row['id']}  via {row['via']}", highlight=False)


@app.command("refresh")
def refresh(
    name: NameArg,
    note: Annotated[str | None, typer.Option(help="Note kept with the snapshot.")] = None,
) -> None:
    """Re-run the queries and store the result as the next snapshot."""
    shell = _shell()
    principal = _operator()
    try:
        with _collections(search=True) as collections:
            snapshot = _refresh(collections, principal, name, note)
    except IpnavError as exc:
        raise shell._query_error(exc) from None
    shell.out.print(f"{name}: {_said(snapshot)}", highlight=False)


@app.command("delete")
def delete(name: NameArg) -> None:
    """Delete a collection with all its snapshots."""
    shell = _shell()
    try:
        with _collections(search=False) as collections:
            collections.delete(_operator(), name)
    except IpnavError as exc:
        raise shell._fail(exc) from None
    shell.out.print(f"deleted collection {name}", highlight=False)


@app.command("search")
def search(
    name: NameArg,
    query: Annotated[str, typer.Argument(help="Words or an expert query, as for ipnav search.")],
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="How many results.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or dense.")] = "hybrid",
    format: FormatOpt = "table",
) -> None:
    """Search inside a collection's latest snapshot."""
    from ipnav.search.service import SearchMode

    shell = _shell()
    _format(format)
    try:
        chosen = SearchMode(mode)
    except ValueError:
        raise typer.BadParameter("use hybrid, lexical or dense", param_hint="--mode") from None
    try:
        with _collections(search=True) as collections:
            filters = collections.scope(_operator(), name)
            result = collections.search.search(query, k=top, mode=chosen, filters=filters)
    except IpnavError as exc:
        raise shell._query_error(exc) from None
    rows = [shell._result_row(item) for item in result.items]
    if format == "json":
        shell._print_json(rows)
        return
    from ipnav.cli_render import render_results

    render_results(shell.out, rows, total=result.total, mode=result.mode.value, plain=result.plain)
