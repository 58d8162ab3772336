"""bulk_insert on both backends stores what SQLAlchemy's own INSERT stores, whichever way
it hands the rows over (converted, as tuples, as the dicts themselves, one column)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from ipnav.store.bulk import bulk_insert
from ipnav.store.schema import patent, patent_citation


def patent_row(patent_id: str, **fields) -> dict:
    row = {
        "id": patent_id,
        "match_key": "US7272630",  # the same for every row: only the id tells them apart
        "country": "US",
        "number": "7272630",
        "kind": "B2",
        "application_number": None,
        "filing_date": dt.date(2004, 11, 18),
        "publication_date": dt.date(2007, 9, 18),
        "grant_date": dt.date(2007, 9, 18),
        "priority_date": None,
        "title": "Locating potentially identical objects",
        "languages": "en",
        "legal_status": None,
        "family_id": None,
        "claims_count": 17,
        "sources": "uspto",
        "record": {"title": {"en": "Locating"}},
        "updated_at": dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC),
    }
    return row | fields


def citations(patent_id: str) -> list[dict]:
    return [
        {
            "patent_id": patent_id,
            "seq": seq,
            "cited_ref": ref,
            "cited_match_key": ref[:-2],
            "category": category,
        }
        for seq, (ref, category) in enumerate(
            [("US5897637A", "examiner"), ("US6389433B1", None), ("WO0225773A1", "applicant")]
        )
    ]


def stored(conn, table, key: str, value: str) -> list[tuple]:
    """The rows of ``table`` whose ``key`` column is ``value``, with that column left out."""
    columns = [c for c in table.c if c.name != key]
    return conn.execute(select(*columns).where(table.c[key] == value).order_by(*columns)).all()


def test_bulk_insert_stores_what_sqlalchemy_inserts(store):
    with store.engine.begin() as conn:
        # dates and JSON need converting (SQLite dates, the JSON column), citations do not
        bulk_insert(conn, patent, [patent_row("US7272630B2"), patent_row("US7272631B2")])
        conn.execute(insert(patent), [patent_row("US7272632B2"), patent_row("US7272633B2")])
        bulk_insert(conn, patent_citation, citations("US7272630B2"))
        conn.execute(insert(patent_citation), citations("US7272632B2"))
    with store.engine.connect() as conn:
        assert stored(conn, patent, "id", "US7272630B2") == stored(
            conn, patent, "id", "US7272632B2"
        )
        assert stored(conn, patent, "id", "US7272631B2") == stored(
            conn, patent, "id", "US7272633B2"
        )
        bulk = stored(conn, patent_citation, "patent_id", "US7272630B2")
        assert bulk == stored(conn, patent_citation, "patent_id", "US7272632B2")
        assert [row[1] for row in bulk] == ["US5897637A", "US6389433B1", "WO0225773A1"]
        found = conn.execute(select(patent.c.filing_date).where(patent.c.id == "US7272631B2"))
        assert found.scalar_one() == dt.date(2004, 11, 18)


def test_bulk_insert_of_one_column(store):
    table = Table("bulk_one_column", MetaData(), Column("name", String(20), primary_key=True))
    other = Table(
        "bulk_two_columns",
        MetaData(),
        Column("name", String(20), primary_key=True),
        Column("n", Integer),
    )
    with store.engine.begin() as conn:
        table.create(conn)
        other.create(conn)
        bulk_insert(conn, table, [{"name": "Hmicro, Inc."}, {"name": "Xerox Corporation"}])
        bulk_insert(conn, other, [{"name": "a", "n": 1}, {"name": "b", "n": None}])
        bulk_insert(conn, table, [])
    with store.engine.connect() as conn:
        assert conn.execute(select(table.c.name).order_by(table.c.name)).scalars().all() == [
            "Hmicro, Inc.",
            "Xerox Corporation",
        ]
        assert conn.execute(select(other).order_by(other.c.name)).all() == [("a", 1), ("b", None)]
