"""Rich renderings of core results for the terminal (used only by :mod:`ipnav.cli`)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ipnav.model.record import PatentRecord


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


def render_results(console: Console, rows: list[dict], *, total: int | None, mode: str) -> None:
    found = f"{total:,} matching" if total is not None else "nearest neighbours"
    table = Table(title=f"{found} ({mode})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("id", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("date", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("applicant", overflow="fold")
    for row in rows:
        table.add_row(
            str(row["rank"]),
            row["id"],
            f"{row['score']:.4f}",
            row["publication_date"] or "",
            row["title"],
            "; ".join(row["applicants"][:2]),
        )
    console.print(table)
