"""``ipnav`` — the command line: a thin shell over the core library.

Each command parses its options, makes one call into the core and prints the
result; core errors (:class:`~ipnav.errors.IpnavError`) become a one-line
message on stderr and the error's exit code:

===  =====================================================================
0    success (also: nothing to do, the input was already stored)
1    an expected error (not found, bad setting ...)
2    bad usage (unknown option, missing argument)
3    the ingest finished but rejected some records (see the report file)
4    an input file could not be read as a whole (records before the fault are kept)
===  =====================================================================
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ipnav import __version__, cli_analytics
from ipnav.cli_collections import app as collection_app
from ipnav.cli_filters import (
    ApplicantOpt,
    ApplicantTypeOpt,
    CountryOpt,
    CpcOpt,
    DateFieldOpt,
    FromOpt,
    IpcOpt,
    KindOpt,
    LangOpt,
    LegalStatusOpt,
    ToOpt,
    filters_from_options,
    parse_day,
)
from ipnav.cli_render import OutputFormat
from ipnav.cli_users import app as user_app
from ipnav.errors import IpnavError
from ipnav.settings import Settings

app = typer.Typer(
    name="ipnav",
    help="ipnav — open bilingual platform for IP public service (专利公共服务平台).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)  # one result per line, never wrapped: scripts read it
err = Console(stderr=True, soft_wrap=True)

EXIT_REJECTED = 3


def _settings() -> Settings:
    return Settings()


def _fail(exc: IpnavError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(exc.exit_code)


def _open_store(settings: Settings):
    from ipnav.store.patents import PatentStore

    return PatentStore.open(settings)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.callback(invoke_without_command=True)
def _main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"ipnav {__version__}")
        raise typer.Exit(0)


def _progress_bar(*columns) -> Progress:
    """A transient progress bar on stderr (off when stderr is not a terminal)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        *columns,
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _ingest_files(
    settings: Settings,
    files: list[tuple[Path, str, str | None]],
    *,
    mapping: Path | None = None,
    encoding: str | None = None,
    force: bool = False,
) -> int:
    """Ingest files with a progress bar each; returns the exit code."""
    from ipnav.ingest.base import InputFileError
    from ipnav.ingest.formats import ReaderOptions
    from ipnav.ingest.pipeline import ingest_file

    options = ReaderOptions(mapping=mapping, encoding=encoding)
    code = 0
    with _open_store(settings) as store:
        for path, format, dataset in files:
            with _progress_bar(
                DownloadColumn(), TextColumn("{task.fields[records]:>9,} records")
            ) as bar:
                task = bar.add_task(path.name, total=path.stat().st_size or None, records=0)

                def show(done: int, total: int, counts, task=task, bar=bar) -> None:
                    bar.update(task, completed=done, total=total, records=counts.read)

                try:
                    report = ingest_file(
                        store,
                        settings,
                        path,
                        format=format,
                        dataset=dataset,
                        options=options,
                        force=force,
                        progress=show,
                    )
                except InputFileError as exc:
                    err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
                    code = max(code, exc.exit_code)
                    continue
            c = report.counts
            if report.skipped:
                out.print(
                    f"{path.name}: unchanged since ingest run #{report.run_id} "
                    f"({c.read:,} records) — nothing to do (--force re-reads it)",
                    highlight=False,
                )
                continue
            verdict = "changed nothing" if not report.changed else "stored"
            out.print(
                f"{path.name} [{report.format} → {report.dataset}]: {c.read:,} read — "
                f"{c.new:,} new, {c.updated:,} updated, {c.unchanged:,} unchanged, "
                f"{c.rejected:,} rejected; {verdict} in {report.seconds:.1f} s",
                highlight=False,
            )
            if report.rejects_path:
                err.print(
                    f"[yellow]{c.rejected:,} record(s) rejected[/yellow]; reasons in "
                    f"{report.rejects_path}",
                    highlight=False,
                    soft_wrap=True,
                )
                code = max(code, EXIT_REJECTED)
    return code


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.name[0] != ".")
        else:
            files.append(path)
    return files


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files (or folders) to load.")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="auto, jsonl, uspto-xml, uspto-pap, uspto-sgml, uspto-aps, csv, xlsx.",
        ),
    ] = "auto",
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="Column mapping for csv / xlsx: a TOML file or a preset "
            "(cnipa, incopat, patsnap-zh, patsnap-en, lens, google-patents, ipnav)."
        ),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Force the text encoding of a csv file (e.g. gb18030).")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Source dataset name stored with the records.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Re-read files already ingested unchanged.")] = False,
    update_index: Annotated[
        bool,
        typer.Option(
            "--index/--no-index",
            help="Bring existing search indexes up to date afterwards (incremental).",
        ),
    ] = True,
) -> None:
    """Load patent records (upsert by id); rejected records go to a report file.

    Where search indexes exist (`ipnav index` ran before), the records just
    stored are added to them, without a rebuild.
    """
    from ipnav.search.indexing import indexes_exist

    settings = _settings()
    try:
        files = [(p, format, dataset) for p in _expand(paths)]
        if not files:
            raise typer.BadParameter("no files found in the given paths")
        code = _ingest_files(settings, files, mapping=mapping, encoding=encoding, force=force)
        if update_index and code != 4 and indexes_exist(settings):
            with _open_store(settings) as store:
                _index(settings, store, rebuild=False, dense=True)
    except IpnavError as exc:
        raise _fail(exc) from None
    raise typer.Exit(code)


@app.command()
def stats(
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Counts by source, country, kind, language, applicant type and year span."""
    from ipnav.store.stats import store_stats

    try:
        with _open_store(_settings()) as store:
            data = store_stats(store.engine)
    except IpnavError as exc:
        raise _fail(exc) from None
    if format is OutputFormat.json:
        _print_json(data)
        return
    out.print(
        f"[bold]{data['total']:,}[/bold] patent records ({data['source_records']:,} source records)"
    )
    for key in (
        "by_source",
        "by_country",
        "by_kind",
        "by_language",
        "by_applicant_type",
        "by_legal_status",
    ):
        table = Table(title=key.replace("_", " "), title_justify="left", show_header=False)
        for name, n in data[key].items():
            table.add_row(str(name), f"{n:,}")
        out.print(table)
    years = ", ".join(f"{k} {v['min']}–{v['max']}" for k, v in data["years"].items() if v["min"])
    out.print(f"years: {years}")


@app.command()
def show(
    number: Annotated[
        str, typer.Argument(help="Id or any number form: CN108022189A, ZL201610972212.5 …")
    ],
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Show one patent record, found by id, publication or application number."""
    try:
        with _open_store(_settings()) as store:
            found = store.find(number)
            total = store.count()
    except IpnavError as exc:
        raise _fail(exc) from None
    if not found:
        err.print(
            f"[red]error:[/red] no record for {number!r} among {total:,} stored; "
            "check the number or load the data with `ipnav ingest`",
            highlight=False,
        )
        raise typer.Exit(1)
    record = found[0]
    if _asked_kind(number) not in (None, record.kind):
        err.print(
            f"{number}: that kind is not stored; showing {record.id} (same number)",
            highlight=False,
        )
    if len(found) > 1:
        others = ", ".join(r.id for r in found[1:])
        err.print(f"{number} also matches: {others}", highlight=False)
    if format is OutputFormat.json:
        _print_json(record.model_dump(mode="json"))
        return
    from ipnav.cli_render import render_record

    render_record(out, record)


def _asked_kind(text: str) -> str | None:
    from ipnav.model.numbers import NumberError, PublicationNumber, parse_any

    try:
        number = parse_any(text)
    except NumberError:
        return None
    return number.kind if isinstance(number, PublicationNumber) else None


@app.command(name="class")
def classification(
    symbol: Annotated[
        str, typer.Argument(help="IPC / CPC symbol, e.g. G06F 9/30 or G06F0009300000.")
    ],
    lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Explain a classification symbol: its forms, hierarchy with titles, WIPO technology field."""
    from ipnav.model.schemes import load_scheme

    settings = _settings()
    try:
        data = load_scheme(settings.sample_data).describe(symbol, lang=lang)
    except IpnavError as exc:
        raise _fail(exc) from None
    if format is OutputFormat.json:
        _print_json(data)
        return
    from ipnav.cli_render import render_class

    render_class(out, data)


def _index(settings: Settings, store, *, rebuild: bool, dense: bool) -> None:
    from ipnav.search.indexing import update_indexes

    with _progress_bar(TextColumn("{task.completed:>9,} / {task.total:,} records")) as bar:
        tasks: dict[str, object] = {}

        def show(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{stage} index", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = update_indexes(settings, store, rebuild=rebuild, dense=dense, progress=show)
    kind = "built" if report.rebuilt else "updated"
    parts = "lexical + dense" if report.dense else "lexical"
    note = (
        "; dense index re-encoded in full (new format or encoder)"
        if report.dense_rebuilt and not report.rebuilt
        else ""
    )
    out.print(
        f"{parts} index {kind}: {report.indexed:,} records indexed, {report.deleted:,} removed"
        f"{note} in {report.seconds:.1f} s",
        highlight=False,
    )


@app.command()
def index(
    rebuild: Annotated[
        bool, typer.Option(help="Rebuild from scratch instead of updating.")
    ] = False,
    dense: Annotated[
        bool, typer.Option("--dense/--no-dense", help="Also build the dense (embedding) index.")
    ] = True,
) -> None:
    """Build or update the search indexes (lexical BM25 and dense embeddings)."""
    settings = _settings()
    try:
        with _open_store(settings) as store:
            _index(settings, store, rebuild=rebuild, dense=dense)
    except IpnavError as exc:
        raise _fail(exc) from None


class SearchModeOption(StrEnum):
    hybrid = "hybrid"
    lexical = "lexical"
    dense = "dense"


def _query_error(exc: IpnavError) -> typer.Exit:
    if hasattr(exc, "pointer") and err.is_terminal:  # the caret under the faulty spot
        err.print(exc.pointer(), highlight=False)
    return _fail(exc)


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help="Words, or an expert query: TA=(a AND b) AND PD>=2015")
    ],
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="How many results.")] = 10,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many results (paging).")] = 0,
    mode: Annotated[
        SearchModeOption, typer.Option(help="hybrid, lexical or dense.")
    ] = SearchModeOption.hybrid,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
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
    lang: LangOpt = None,
    facet: Annotated[
        list[str] | None,
        typer.Option(
            "--facet",
            help="Count values of a field over all results: country, kind, applicant, "
            "applicant_type, ipc_subclass, publication_year … (repeatable).",
        ),
    ] = None,
    collapse_family: Annotated[
        bool, typer.Option("--collapse-family", help="One result per patent family.")
    ] = False,
) -> None:
    """Search the patents: hybrid BM25 + embeddings, or the examiners' query language."""
    from ipnav.search.service import SearchMode, SearchService

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
        lang=lang,
    )
    settings = _settings()
    try:
        with _open_store(settings) as store:
            service = SearchService.open(settings, store)
            result = service.search(
                query,
                k=top,
                offset=offset,
                mode=SearchMode(mode.value),
                filters=filters,
                facets=tuple(facet or ()),
                collapse_family=collapse_family,
            )
    except IpnavError as exc:
        raise _query_error(exc) from None
    rows = [_result_row(item, collapsed=result.collapsed) for item in result.items]
    if format is OutputFormat.json:
        _print_json(rows)
        if result.facets:
            err.print(json.dumps({"facets": result.facets}, ensure_ascii=False), highlight=False)
        return
    from ipnav.cli_render import render_facets, render_results

    render_results(out, rows, total=result.total, mode=result.mode.value, plain=result.plain)
    render_facets(out, result.facets)


def _result_row(item, *, collapsed: bool = False) -> dict:
    record, hit = item.record, item.hit
    row = {
        "rank": hit.rank,
        "id": record.id,
        "score": round(hit.score, 6),
        "title": record.text("title") or "",
        "publication_date": record.publication_date.isoformat()
        if record.publication_date
        else None,
        "applicants": [p.name for p in record.applicants],
        "ipc": record.ipc[:5],
        "retriever": hit.retriever,
    }
    if getattr(hit, "ranks", None):
        row["ranks"] = dict(hit.ranks)
    if getattr(item, "matched_terms", None):
        row["matched_terms"] = {f: list(t) for f, t in item.matched_terms.items()}
    if getattr(item, "highlights", None):
        row["highlights"] = {f: h.html for f, h in item.highlights.items()}
    if collapsed:
        row["family_hits"] = item.family_hits
    return row


@app.command(name="prior-art")
def prior_art(
    text_file: Annotated[
        Path | None, typer.Option("--text-file", help="A disclosure in a UTF-8 text file.")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="A disclosure as text.")] = None,
    id: Annotated[
        str | None, typer.Option("--id", help="A stored patent: search with its text.")
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="How many results.")] = 10,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            help="Only documents published before this date (YYYY-MM-DD). With --id the "
            "default is the patent's priority date; 'none' turns the cut-off off.",
        ),
    ] = None,
    mode: Annotated[
        SearchModeOption, typer.Option(help="hybrid, lexical or dense.")
    ] = SearchModeOption.hybrid,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    country: CountryOpt = None,
    ipc: IpcOpt = None,
    lang: LangOpt = None,
) -> None:
    """Prior art for a disclosure or a stored patent, each hit explained."""
    from ipnav.search.prior_art import PriorArtSearch
    from ipnav.search.service import SearchMode, SearchService

    given = [name for name, v in (("--text-file", text_file), ("--text", text), ("--id", id)) if v]
    if len(given) != 1:
        raise typer.BadParameter("give exactly one of --text-file, --text or --id")
    if text_file is not None:
        text = _read_text_file(text_file)
    cutoff = None if before is None or before.lower() == "none" else parse_day(before, "--before")
    filters = filters_from_options(country=country, ipc=ipc, lang=lang)
    settings = _settings()
    try:
        with _open_store(settings) as store:
            searcher = PriorArtSearch(SearchService.open(settings, store))
            if id is not None:
                default = "priority" if before is None else cutoff
                query = searcher.for_patent(id, before=default, filters=filters)
            else:
                query = searcher.for_text(text or "", before=cutoff, filters=filters)
            result = searcher.search(query, top, mode=SearchMode(mode.value))
    except IpnavError as exc:
        raise _fail(exc) from None
    rows = []
    for item in result.items:
        row = _result_row(item)
        if item.explanation is not None:
            why = item.explanation.to_dict()
            why.pop("id", None)
            row["explanation"] = why
        rows.append(row)
    if format is OutputFormat.json:
        _print_json(rows)
        return
    from ipnav.cli_render import render_prior_art

    q = result.query
    source = f"patent {q.source_id}" if q.source_id else f"disclosure ({len(q.text):,} characters)"
    cut = f"; published before {q.before} ({q.before_reason})" if q.before else ""
    if q.before is None and q.before_reason:
        cut = f"; {q.before_reason}"
    excluded = f"; {len(q.exclude_ids)} of its own publications left out" if q.exclude_ids else ""
    render_prior_art(
        out, rows, header=f"prior art for {source} ({result.mode.value}){cut}{excluded}"
    )


def _read_text_file(path: Path) -> str:
    from ipnav.errors import IpnavError as _Error

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(_Error(f"cannot read {path}: {exc.strerror}")) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(_Error(f"{path} is neither UTF-8 nor GB18030 text; save it as UTF-8"))


@app.command()
def export(
    query: Annotated[str, typer.Argument(help="The query whose whole result set is exported.")],
    to: Annotated[Path, typer.Option("--to", help="Output file: .csv, .xlsx, .ris or .jsonl")],
    lang: Annotated[
        str, typer.Option(help="Preferred language of texts and headers (zh, en).")
    ] = "zh",
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
    """Export every result of a query (streamed, no cap) to CSV, XLSX, RIS or JSONL."""
    from ipnav.search.export import export_records
    from ipnav.search.export_stream import fetch_records
    from ipnav.search.service import SearchService

    settings = _settings()
    try:
        with _open_store(settings) as store:
            service = SearchService.open(settings, store)
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
            ids = service.export_ids(query, filters)
            records = fetch_records(store, ids)
            count = export_records(records, to, lang=lang, meta={"query": query})
    except IpnavError as exc:
        raise _query_error(exc) from None
    out.print(f"{count:,} records written to {to}", highlight=False)


@app.command()
def demo(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web app afterwards.")
    ] = True,
    force: Annotated[bool, typer.Option(help="Re-read sample files already loaded.")] = False,
    dense: Annotated[
        bool, typer.Option("--dense/--no-dense", help="Also build the dense (embedding) index.")
    ] = True,
    demo_accounts: Annotated[
        bool | None,
        typer.Option(
            "--demo-accounts/--no-demo-accounts",
            help="Create one demo login per role (default: IPNAV_DEMO_ACCOUNTS, on).",
        ),
    ] = None,
) -> None:
    """Load every sample corpus of IPNAV_SAMPLE_DATA, build the indexes, then serve."""
    from ipnav.ingest.samples import sample_files

    settings = _settings()
    with_accounts = settings.demo_accounts if demo_accounts is None else demo_accounts
    try:
        files = sample_files(settings.sample_data)
        code = _ingest_files(settings, list(files), force=force)
        from ipnav.store.stats import store_stats

        with _open_store(settings) as store:
            total = store_stats(store.engine)["total"]
            _index(settings, store, rebuild=False, dense=dense)
            accounts = _demo_accounts(store) if with_accounts else None
    except IpnavError as exc:
        raise _fail(exc) from None
    out.print(f"[bold]{total:,}[/bold] patent records in {settings.resolved_database_url}")
    if accounts is not None:
        _print_demo_accounts(accounts)
    if serve:
        _serve(settings, DEFAULT_HOST, DEFAULT_PORT)
    raise typer.Exit(0 if code == EXIT_REJECTED else code)


def _demo_accounts(store) -> list:
    from ipnav.accounts import Accounts
    from ipnav.accounts.demo import ensure_demo_accounts

    return ensure_demo_accounts(Accounts(store.engine))


def _print_demo_accounts(statuses: list) -> None:
    """The demo logins as a table, with the warning that their passwords are public."""
    from ipnav.accounts.demo import DEMO_ORGANISATION

    # plain aligned lines, not a Rich table: a narrow terminal must not cut an e-mail short
    rows = [("role", "e-mail", "password", "")] + [
        (s.account.role.name, s.account.email, s.account.password, s.action) for s in statuses
    ]  # action: "new", or "kept" (an account made earlier stays as it is)
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out.print(f"demo accounts of {DEMO_ORGANISATION}:", highlight=False)
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out.print("  " + "  ".join([*cells, row[3]]).rstrip(), highlight=False, markup=False)
    err.print(
        "[yellow]warning:[/yellow] the demo accounts' passwords are published: use them for a "
        "local demo only; IPNAV_DEMO_ACCOUNTS=0 or `ipnav demo --no-demo-accounts` leaves "
        "them out",
        highlight=False,
    )


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _serve(settings: Settings, host: str, port: int, workers: int | None = None) -> None:
    """Run the web app with uvicorn until interrupted, after printing its address.

    Several workers read the settings from the environment, as this process did
    (:mod:`ipnav.web.serving`).
    """
    from ipnav.web.serving import serve

    workers = workers or settings.web_workers
    shown = f"[{host}]" if ":" in host else host
    out.print(
        f"serving ipnav at http://{shown}:{port}/ (API docs: /api/docs) with {workers} "
        f"worker process{'es' if workers > 1 else ''}; Ctrl+C stops"
    )
    try:
        serve(settings, host, port, workers)
    except IpnavError as exc:
        raise _fail(exc) from None


WorkersOpt = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=64,
        help="Web server processes (default: IPNAV_WEB_WORKERS, 1); about one per core.",
    ),
]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = DEFAULT_PORT,
    workers: WorkersOpt = None,
) -> None:
    """Serve the web portal and the REST API (/api/v1) on the data in IPNAV_HOME."""
    _serve(_settings(), host, port, workers)


@app.command()
def worker(
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="Jobs run at the same time (default: IPNAV_JOBS_WORKERS, 1)."
        ),
    ] = None,
) -> None:
    """Run the background jobs (exports, index builds) queued by the web app, until Ctrl+C.

    Ctrl+C waits for the running jobs to end; a second Ctrl+C stops at once and marks
    them failed.
    """
    import logging

    from ipnav.jobs.worker import JobWorker

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def say(text: str) -> None:
        out.print(text, highlight=False)

    try:
        with JobWorker(_settings(), workers=workers, notify=say) as running:
            running.run()
    except IpnavError as exc:
        raise _fail(exc) from None


app.add_typer(user_app, name="user")
app.add_typer(collection_app, name="collection")  # thematic databases: ipnav/cli_collections.py
app.command(name="analyze")(cli_analytics.analyze)  # ipnav/cli_analytics.py
app.command(name="report")(cli_analytics.report)


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def main() -> None:
    app()
