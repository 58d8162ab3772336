"""``analyze_ids`` over a real store, and the engine reading Arrow tables or Parquet files."""

from __future__ import annotations

import pytest

from ipnav.analytics import (
    AnalysisOptions,
    DuckDBEngine,
    EngineError,
    Tables,
    analyze,
    analyze_ids,
    build_tables,
    make_engine,
)
from ipnav.analytics.engine import parquet_sources
from ipnav.ingest.pipeline import ingest_file

PATSNAP = "patsnap_cs3245_citation_corpus/documents.jsonl.gz"
BDCI = "cn_bdci2022_patent_fewshot/cn_bdci2022_patents.jsonl.gz"
CNKI = "cn_cnki_sample_with_claims/cn_cnki_materials_chemistry_2018.jsonl.gz"


@pytest.fixture
def filled_store(store, store_settings, corpus_subset):
    for relative, n in ((PATSNAP, 200), (BDCI, 100), (CNKI, 33)):
        ingest_file(store, store_settings, corpus_subset(relative, n))
    return store


def test_analyze_ids_reads_the_stored_records(filled_store, scheme, tmp_path):
    ids = [i for i in filled_store.ids() if not i.startswith("BDCI-")]  # a "thematic" subset
    seen = []
    found = analyze_ids(
        filled_store,
        [*ids, "CN-NOT-STORED"],
        classification=scheme,
        language="en",
        progress=lambda stage, done, total: seen.append((stage, done, total)),
        parquet_folder=tmp_path / "export",
    )
    assert seen[0] == ("tables", 0, len(ids) + 1) and seen[1] == ("tables", len(ids), len(ids) + 1)
    assert found["filing_trend"].summary["records"] == len(ids)
    expected_tables = build_tables(filled_store.get_many(ids), scheme=scheme)
    assert Tables.from_parquet(tmp_path / "export").equals(expected_tables)
    expected = analyze(
        expected_tables, language="en", options=AnalysisOptions(classification=scheme)
    )
    assert {k: t.to_dict() for k, t in found.items()} == {
        k: t.to_dict() for k, t in expected.items()
    }
    assert found["subclasses"].rows[0]["title"]  # English titles from the scheme


def test_duckdb_reads_parquet_files_like_arrow_tables(tables, options, tmp_path):
    folder = tables.to_parquet(tmp_path / "tables")
    from_files = analyze(parquet_sources(folder), language="zh", options=options)
    in_memory = analyze(tables, language="zh", options=options)
    assert {k: t.to_dict() for k, t in from_files.items()} == {
        k: t.to_dict() for k, t in in_memory.items()
    }


def test_engine_registry_and_errors(tables):
    assert isinstance(make_engine("duckdb"), DuckDBEngine)
    with pytest.raises(EngineError, match="unknown analysis engine 'oracle'; use one of duckdb"):
        make_engine("oracle")
    with pytest.raises(EngineError, match="DuckDB could not run"):
        DuckDBEngine().query("SELECT nothing FROM patents", tables.sources())
    one = DuckDBEngine(threads=1).query(
        "SELECT SUM(claims_count) AS s, COUNT(*) AS n FROM patents", tables.sources()
    )
    assert one.schema.field("s").type == one.schema.field("n").type  # sums come back as int64
