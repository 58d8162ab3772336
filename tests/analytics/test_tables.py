"""The flat analysis tables: contents against the records, Parquet round trips, edge cases."""

from __future__ import annotations

import json
from collections import Counter

import pyarrow.parquet as pq
import pytest

from ipnav.analytics import Tables, TablesError, build_tables, write_parquet
from ipnav.analytics.tables import FORMAT_VERSION, MANIFEST, SCHEMAS, person_key
from ipnav.model.record import PatentRecord
from ipnav.search.service import family_key
from ipnav.store.patents import match_key_of


def test_one_row_per_record_party_symbol_and_citation(records, tables):
    assert len(tables) == len(records) == 900
    assert tables.parties.num_rows == sum(len(r.applicants) + len(r.inventors) for r in records)
    assert tables.classes.num_rows == sum(len(r.ipc) + len(r.cpc) for r in records)
    assert tables.citations.num_rows == sum(len(r.cited_patents) + len(r.cited_by) for r in records)
    for name in SCHEMAS:
        assert getattr(tables, name).schema == SCHEMAS[name]


def test_patent_rows_carry_the_record_facts(records, tables):
    rows = {row["id"]: row for row in tables.patents.to_pylist()}
    for record in records:
        row = rows[record.id]
        assert row["match_key"] == match_key_of(record)
        assert row["family_key"] == family_key(record)
        assert row["filing_year"] == (record.filing_date.year if record.filing_date else None)
        assert row["title"] == record.text("title")
        assert row["backward_citations"] == len(record.cited_patents)
    cnki = next(r for r in records if r.sources[0].dataset == "cnki")
    assert rows[cnki.id]["lang"] == "zh" and rows[cnki.id]["title_zh"] == cnki.title["zh"]
    assert rows[cnki.id]["publication_year"] == cnki.publication_date.year
    bdci = next(r for r in records if r.sources[0].dataset == "bdci")
    assert rows[bdci.id]["filing_date"] is None and rows[bdci.id]["filing_year"] is None


def test_class_rows_split_symbols_and_place_them_in_wipo_fields(tables, scheme):
    rows = tables.classes.to_pylist()
    assert rows, "the PatSnap records carry IPC symbols"
    for row in rows:
        assert row["symbol"].startswith(row["subclass"])
        if row["main_group"]:
            assert row["symbol"].startswith(row["main_group"])
        field = scheme.technology_field(row["symbol"])
        assert row["wipo_field"] == (field.number if field else None)
    assert {"symbol": "B08B5/00", "subclass": "B08B", "main_group": "B08B5"}.items() <= next(
        r for r in rows if r["symbol"] == "B08B5/00"
    ).items()


@pytest.mark.parametrize(
    ("symbol", "field"),
    [
        ("G06F9/30189", 6),  # computer technology
        ("G06Q10/06", 7),  # IT methods for management
        ("H04L29/06", 4),  # digital communication
        ("G01N33/543", 11),  # analysis of biological materials: main-group rule ...
        ("G01N21/64", 10),  # ... while the rest of G01N is measurement
        ("A61K8/02", 14),  # cosmetics: organic fine chemistry
        ("A61K31/00", 16),  # pharmaceuticals
        ("C12N15/10", 15),  # biotechnology
        ("H01L21/02", 8),  # semiconductors
    ],
)
def test_known_wipo_fields(scheme, symbol, field):
    record = PatentRecord(id="XX1", ipc=[symbol])
    assert build_tables([record], scheme=scheme).classes["wipo_field"].to_pylist() == [field]


def test_without_the_classification_data_fields_are_empty(records):
    bare = build_tables(records[:50])
    assert bare.classes.num_rows > 0
    assert bare.classes["wipo_field"].null_count == bare.classes.num_rows


def test_parties_use_the_ingest_grouping_key_and_person_keys(records, tables):
    applicants = Counter(
        (row["id"], row["normalized_name"])
        for row in tables.parties.to_pylist()
        if row["role"] == "applicant"
    )
    expected = Counter((r.id, p.normalized_name) for r in records for p in r.applicants)
    assert applicants == expected
    assert person_key("SCHMIT, FRANK, L.") == person_key("Schmit Frank L") == "SCHMIT FRANK L"
    assert person_key("张 三") == "张三"


def test_in_set_flags_follow_the_match_keys(records, tables):
    keys = {match_key_of(r) for r in records}
    rows = tables.citations.to_pylist()
    assert any(r["cited_in_set"] for r in rows) and any(r["citing_in_set"] for r in rows)
    for row in rows:
        assert row["cited_in_set"] == (row["cited_key"] in keys)
        assert row["citing_in_set"] == (row["citing_key"] in keys)
        assert row["origin"] in {"cited_patents", "cited_by"}


def test_parquet_round_trip_gives_identical_tables(tables, tmp_path):
    folder = tables.to_parquet(tmp_path / "tables")
    assert Tables.from_parquet(folder).equals(tables)
    meta = json.loads((folder / MANIFEST).read_text())
    assert meta["rows"]["patents"] == len(tables) and meta["version"] == FORMAT_VERSION


def test_streaming_writer_gives_the_tables_built_in_memory(records, tables, scheme, tmp_path):
    seen = []
    folder = write_parquet(
        iter(records), tmp_path / "stream", scheme=scheme, batch_size=128, progress=seen.append
    )
    assert seen == [*range(128, 900, 128), 900]
    assert pq.ParquetFile(folder / "patents.parquet").num_row_groups == 8  # one per batch
    assert not (folder / "citations.unflagged.parquet").exists()
    assert Tables.from_parquet(folder).equals(tables)


def test_empty_set(tmp_path):
    empty = build_tables([])
    assert len(empty) == 0
    assert all(getattr(empty, n).schema == SCHEMAS[n] for n in SCHEMAS)
    assert Tables.from_parquet(write_parquet([], tmp_path / "none")).equals(empty)


def test_unreadable_folders_say_what_to_do(tables, tmp_path):
    with pytest.raises(TablesError, match="not an analysis-tables folder"):
        Tables.from_parquet(tmp_path)
    folder = tables.to_parquet(tmp_path / "old")
    manifest = folder / MANIFEST
    manifest.write_text(json.dumps({"format": "ipnav-analysis-tables", "version": 0}))
    with pytest.raises(TablesError, match="export the tables again"):
        Tables.from_parquet(folder)
    manifest.write_text(json.dumps({"format": "ipnav-analysis-tables", "version": FORMAT_VERSION}))
    (folder / "classes.parquet").unlink()
    with pytest.raises(TablesError, match=r"classes\.parquet is missing"):
        Tables.from_parquet(folder)
