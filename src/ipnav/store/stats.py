"""Counts over the store: what ``ipnav stats`` reports."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, distinct, func, select

from ipnav.store.schema import patent, patent_party, source_record


def _grouped(conn, column) -> dict[str, int]:
    rows = conn.execute(select(column, func.count()).group_by(column))
    return {(key if key is not None else "unknown"): n for key, n in rows}


def _span(conn, column) -> dict[str, int | None]:
    low, high = conn.execute(select(func.min(column), func.max(column))).one()
    return {"min": low.year if low else None, "max": high.year if high else None}


def store_stats(engine: Engine) -> dict:
    """Totals and breakdowns by source, country, kind, language, applicant type, years."""
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(patent)).scalar_one()
        by_source = {
            dataset: n
            for dataset, n in conn.execute(
                select(source_record.c.dataset, func.count(distinct(source_record.c.patent_id)))
                .group_by(source_record.c.dataset)
                .order_by(source_record.c.dataset)
            )
        }
        source_records = conn.execute(select(func.count()).select_from(source_record)).scalar_one()
        languages: Counter[str] = Counter()
        for combo, n in conn.execute(
            select(patent.c.languages, func.count()).group_by(patent.c.languages)
        ):
            for lang in (combo or "").split(",") if combo else ["none"]:
                languages[lang] += n
        applicant_types = {
            kind or "unknown": n
            for kind, n in conn.execute(
                select(patent_party.c.type, func.count(distinct(patent_party.c.patent_id)))
                .where(patent_party.c.role == "applicant")
                .group_by(patent_party.c.type)
            )
        }
        with_applicants = conn.execute(
            select(func.count(distinct(patent_party.c.patent_id))).where(
                patent_party.c.role == "applicant"
            )
        ).scalar_one()
        applicant_types["none"] = total - with_applicants
        return {
            "total": total,
            "source_records": source_records,
            "by_source": by_source,
            "by_country": _sorted(_grouped(conn, patent.c.country)),
            "by_kind": _sorted(_grouped(conn, patent.c.kind)),
            "by_language": _sorted(dict(languages)),
            "by_applicant_type": _sorted(applicant_types),
            "by_legal_status": _sorted(_grouped(conn, patent.c.legal_status)),
            "years": {
                "publication": _span(conn, patent.c.publication_date),
                "filing": _span(conn, patent.c.filing_date),
                "grant": _span(conn, patent.c.grant_date),
                "priority": _span(conn, patent.c.priority_date),
            },
        }


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
