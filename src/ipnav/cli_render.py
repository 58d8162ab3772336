"""Rich renderings of core results for the terminal (used only by :mod:`ipnav.cli`)."""

from __future__ import annotations

from enum import StrEnum

from rich.console import Console
from rich.table import Table

from ipnav.model.record import PatentRecord


class OutputFormat(StrEnum):
    """``--format`` of the listing commands."""

    table = "table"
    json = "json"


def _join(values, limit: int = 12) -> str:
    values = list(values)
    text = "; ".join(values[:limit])
    return text + (f" … (+{len(values) - limit})" if len(values) > limit else "")


def render_record(console: Console, record: PatentRecord) -> None:
    table = Table(show_header=False, title=record.id, title_justify="left", expand=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")

    def row(label: str, value: object) -> None:
        if value not in (None, "", [], {}):
            table.add_row(label, str(value))

    for lang, title in record.title.items():
        row(f"title [{lang}]", title)
    row("country / kind", f"{record.country or '?'} / {record.kind or '?'}")
    row("application", record.application_number)
    row("filing date", record.filing_date)
    row("publication date", record.publication_date)
    row("grant date", record.grant_date)
    row("priority", _join(f"{p.number} ({p.date or '?'})" for p in record.priority_claims))
    row(
        "applicants",
        _join(f"{p.name} [{p.type.value if p.type else '?'}]" for p in record.applicants),
    )
    row("inventors", _join(p.name for p in record.inventors))
    row("IPC", _join(record.ipc))
    row("CPC", _join(record.cpc))
    row("legal status", record.legal_status.value if record.legal_status else None)
    row("family", _join(record.family))
    row("cites", f"{len(record.cited_patents)} patents" if record.cited_patents else None)
    row("cited by", _join(record.cited_by))
    for lang, abstract in record.abstract.items():
        row(f"abstract [{lang}]", abstract[:600] + ("…" if len(abstract) > 600 else ""))
    for lang, claims in record.claims.items():
        row(f"claims [{lang}]", f"{len(claims)} claims; 1. {claims[0].text[:300]}")
    row("sources", _join(f"{s.dataset}:{s.source_id}" for s in record.sources))
    row("translated by machine", ", ".join(record.machine_translated))
    console.print(table)


def render_class(console: Console, data: dict) -> None:
    table = Table(title=f"{data.get('standard', '')}", title_justify="left")
    table.add_column("level")
    table.add_column("code")
    table.add_column("title", overflow="fold")
    for entry in data.get("path", []):
        note = f"  ({entry['note']})" if entry.get("note") else ""
        table.add_row(
            entry.get("level", ""), entry.get("code", ""), f"{entry.get('text', '')}{note}"
        )
    console.print(table)
    for key in ("compact", "raw14"):
        if data.get(key):
            console.print(f"{key}: {data[key]}", highlight=False)
    field = data.get("technology_field")
    if field:
        console.print(
            f"WIPO technology field {field.get('number')}: {field.get('name_zh')} / "
            f"{field.get('name_en')} ({field.get('sector_zh')} / {field.get('sector_en')})",
            highlight=False,
        )


def render_results(
    console: Console, rows: list[dict], *, total: int | None, mode: str, plain: bool = False
) -> None:
    if total is None:
        found = "nearest neighbours"
    elif plain and mode == "hybrid":  # the count is of all-word matches; meaning adds more
        found = f"{total:,} contain every word, ranked with the nearest in meaning"
    else:
        found = f"{total:,} matching"
    table = Table(title=f"{found} ({mode})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("id", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("date", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("applicant", overflow="fold")
    for row in rows:
        title = row.get("highlights", {}).get("title")
        family = (
            f" [dim](+{row['family_hits'] - 1} in family)[/dim]"
            if row.get("family_hits", 1) > 1
            else ""
        )
        table.add_row(
            str(row["rank"]),
            row["id"],
            f"{row['score']:.4f}",
            row["publication_date"] or "",
            (marked(title) if title else escape_text(row["title"])) + family,
            escape_text("; ".join(row["applicants"][:2])),
        )
    console.print(table)


def marked(html_text: str, style: str = "bold yellow") -> str:
    """Rich markup of a highlight: ``<mark>`` spans styled, everything else escaped."""
    import html
    import re

    from rich.markup import escape

    parts = re.split(r"<mark>(.*?)</mark>", html_text)
    return "".join(
        f"[{style}]{escape(html.unescape(p))}[/{style}]" if i % 2 else escape(html.unescape(p))
        for i, p in enumerate(parts)
    )


def render_facets(console: Console, facets: dict[str, list]) -> None:
    for name, pairs in facets.items():
        table = Table(title=f"facet: {name}", title_justify="left", show_header=False)
        for value, count in pairs:
            table.add_row(str(value), f"{count:,}")
        console.print(table)


def render_prior_art(console: Console, rows: list[dict], *, header: str) -> None:
    """One block per hit: rank, id, title, then why it matched."""
    console.print(header, highlight=False)
    if not rows:
        console.print("no prior art found", highlight=False)
        return
    for row in rows:
        why = row.get("explanation") or {}
        title = why.get("highlights", {}).get("title", {}).get("html")
        console.print(
            f"[bold]{row['rank']:>3}. {row['id']}[/bold]  {row['score']:.4f}  "
            f"{row['publication_date'] or ''}  "
            + (marked(title) if title else escape_text(row["title"])),
            highlight=False,
        )
        terms = why.get("matched_terms", {})
        shared = "; ".join(f"{f}: {', '.join(t[:8])}" for f, t in terms.items() if t)
        if shared:
            console.print(f"     matched: {escape_text(shared)}", highlight=False)
        passage = why.get("best_passage")
        if passage:
            where = passage["field"] + (
                f" {passage['claim_number']}" if passage.get("claim_number") else ""
            )
            text = passage["text"] if len(passage["text"]) <= 240 else passage["text"][:239] + "…"
            console.print(
                f"     closest {where} ({passage['similarity']:.2f}): {escape_text(text)}",
                highlight=False,
            )
        parts = [
            f"{name} #{c['rank']} ({c['share']:.0f} %)" if c.get("rank") else name
            for name, c in why.get("contributions", {}).items()
        ]
        if parts:
            console.print(f"     ranked by: {', '.join(parts)}", highlight=False)


def escape_text(text: str) -> str:
    from rich.markup import escape

    return escape(text)
